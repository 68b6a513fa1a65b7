"""The overview of the terminal view: rich tables that fit 80 columns.

Rows name articles as a reader knows them, ``outlet · headline`` (the path, shortened
from the left, when there is no headline), cut with an ellipsis to one line, so the
overview reads the same on a terminal and in a file. Distributions (lags, kinds, the
timeline) are one line each; the timeline is a sparkline of at most 60 bins.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance.report.overview import Overview, timeline_bins
from provenance.report.select import format_published, outlet

__all__ = ["OVERVIEW_WIDTH", "article_name", "render_overview", "short_path"]

OVERVIEW_WIDTH = 80
TIMELINE_BINS = 54  # two dates, the marks and the indent fit OVERVIEW_WIDTH
_SPARKS = " ▁▂▃▄▅▆▇█"
_KIND_STYLES = {"verbatim": "green", "near-duplicate": "magenta", "contained": "cyan"}


def short_path(path: str, limit: int = 40) -> str:
    """``…/deep/folder/file.txt``: the end of a path, which tells files apart."""
    return path if len(path) <= limit else "…" + path[-(limit - 1):]


def article_name(document: dict[str, Any]) -> str:
    """``outlet · headline``, else ``outlet · …/path`` (the outlet left out when unknown)."""
    headline = " ".join((document.get("title") or "").split()) or short_path(document["path"])
    name = outlet(document)
    return f"{name} · {headline}" if name else headline


def _table(*columns: tuple[str, bool]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True, expand=True)
    for name, numeric in columns:
        if numeric:  # never squeezed: the text columns give way
            table.add_column(name, justify="right", no_wrap=True, min_width=max(len(name), 3))
        else:
            table.add_column(name, no_wrap=True, overflow="ellipsis", ratio=1)
    return table


def _flows(overview: Overview, top: int) -> tuple[Table, int]:
    table = _table(("from (origin outlet)", False), ("to (copying outlet)", False), ("passages", True), ("articles", True))
    for flow in overview.flows[:top]:
        table.add_row(Text(flow.origin_outlet, style="green"), Text(flow.copy_outlet, style="cyan"),
                      str(flow.passages), str(flow.copy_articles))
    return table, max(0, len(overview.flows) - top)


def _origins(overview: Overview, top: int) -> tuple[Table, int]:
    table = _table(("#", True), ("origin article", False), ("published", True), ("copies", True), ("passages", True))
    for rank, stat in enumerate(overview.origins[:top], start=1):
        table.add_row(str(rank), article_name(stat.origin), format_published(stat.origin)[:10],
                      str(stat.copy_articles), str(stat.passages))
    return table, max(0, len(overview.origins) - top)


def _counts(label: str, pairs: list[tuple[str, int]], styles: dict[str, str] | None = None) -> Text:
    line = Text(f"{label}: ", style="bold")
    for position, (name, count) in enumerate(pairs):
        if position:
            line.append(" · ", style="dim")
        line.append(name, style=(styles or {}).get(name, ""))
        line.append(f" {count}")
    return line


def _timeline(overview: Overview) -> Text | None:
    if not overview.days:
        return None
    unit, bins = timeline_bins(overview, TIMELINE_BINS)
    peak_day, peak = max(bins, key=lambda item: (item[1], -item[0].toordinal()))
    marks = "".join(_SPARKS[0 if n == 0 else 1 + round((n / peak) * (len(_SPARKS) - 2))] for _, n in bins)
    line = Text(f"by {unit} of the copy's publication", style="bold")
    undated = f"; {overview.undated_copies} undated" if overview.undated_copies else ""
    line.append(f" (passages; peak {peak}, {unit} of {peak_day.isoformat()}{undated})\n", style="dim")
    line.append(f"  {bins[0][0].isoformat()} ")
    line.append(marks, style="yellow")
    line.append(f" {overview.days[-1][0].isoformat()}")
    return line


def render_overview(overview: Overview, top: int) -> RenderableType:
    """The overview block: outlet flows, most reused origins, then one line per distribution."""
    parts: list[RenderableType] = [Text("Who takes text from whom, by outlet", style="bold underline")]
    flows, more_flows = _flows(overview, top)
    parts.append(flows)
    if more_flows:
        parts.append(Text(f"… {more_flows} more outlet pairs (--top N shows more)", style="dim"))
    parts += [Text(""), Text("Most reused origin articles", style="bold underline")]
    origins, more_origins = _origins(overview, top)
    parts.append(origins)
    if more_origins:
        parts.append(Text(f"… {more_origins} more origin articles (--top N shows more)", style="dim"))
    parts.append(Text(""))
    parts.append(_counts("time to copy (article pairs)", overview.lags))
    parts.append(_counts("by kind (passages)", overview.kinds, _KIND_STYLES))
    timeline = _timeline(overview)
    if timeline is not None:
        parts.append(timeline)
    return Group(*parts)
