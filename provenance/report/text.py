"""The terminal view: a summary and the overview, then per origin article what each copy took.

The overview (:mod:`~provenance.report.text_overview`) fits 80 columns: outlet flows,
the most reused origin articles, lags, kinds and a timeline. Below it, each origin
article with every copy's passages; with ``top`` (the CLI's default of 10 when
``--limit`` is not given) only the most reused origins, and a line saying how many more.

Rendered with rich. On a terminal the view fits its width and is coloured (unless
``NO_COLOR`` is set); piped to a file or another program it has no colour and long
lines are *not* hard-wrapped, so ``grep`` and editors see one line per passage. Edits
inside a reused passage are shown as a word diff (``[-removed-]{+added+}``, as ``git diff
--word-diff`` does) so they read the same with or without colour.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from provenance.report.align import align_reuse
from provenance.report.overview import Overview, build_overview
from provenance.report.select import (
    TOP_ROWS,
    OriginGroup,
    display_groups,
    format_lag,
    format_published,
)
from provenance.report.text_overview import OVERVIEW_WIDTH, article_name, render_overview

__all__ = ["TOP_ROWS", "format_lag", "render_text"]

PIPED_WIDTH = 200  # tables only (they take their natural width); text lines never wrap when piped

_STYLES = {
    "same": "yellow",
    "inserted": "bold green",
    "deleted": "red strike",
    "changed-from": "magenta strike",
    "changed-to": "bold magenta",
}
_BRACKETS = {"inserted": ("{+", "+}"), "deleted": ("[-", "-]"), "changed-from": ("[-", "-]"), "changed-to": ("{+", "+}")}
_WHITESPACE = re.compile(r"\s+")  # a span may hold line breaks; show it as one line
_KIND_STYLES = {"verbatim": "green", "near-duplicate": "magenta", "contained": "cyan"}


def _console(buffer: io.StringIO, terminal: bool, width: int | None, color: bool | None) -> Console:
    use_color = (terminal if color is None else color) and not os.environ.get("NO_COLOR")
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns if terminal else PIPED_WIDTH
    return Console(
        file=buffer,
        width=width,
        force_terminal=use_color,
        no_color=not use_color,
        color_system="auto" if use_color else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        soft_wrap=not terminal,
    )


def _summary(report: dict[str, Any], width: int) -> Table:
    summary = report["summary"]
    cells = [
        ("documents", summary["documents"]),
        ("reused passages", summary["reused_passages"]),
        ("boilerplate passages", summary["boilerplate_passages"]),
        ("passages", summary["passages"]),
        ("clusters", summary["clusters"]),
        ("undated documents", summary["undated_documents"]),
        ("reuses", summary["reuses"]),
        ("uncertain origins", summary["uncertain_origins"]),
    ]
    digits = max(len(str(value)) for _, value in cells)
    longest = max(len(name) for name, _ in cells)
    per_row = 3 if 3 * (digits + longest + 3) - 2 <= width else 2  # number, label and the gaps between them
    table = Table.grid(padding=(0, 1))
    for _ in range(per_row):
        table.add_column(justify="right", style="bold")
        table.add_column(style="dim", min_width=longest + 1, no_wrap=True)
    for row in range(0, len(cells), per_row):
        flat: list[str] = []
        for label, value in cells[row : row + per_row]:
            flat.extend([str(value), label])
        table.add_row(*flat)
    return table


def _passage(reuse: dict[str, Any], texts: Mapping[str, str]) -> list[Text]:
    origin, copy = reuse["origin"], reuse["copy"]
    kind = reuse["kind"]
    header = Text()
    header.append(f"{kind} {reuse['similarity']:.2f}", style=_KIND_STYLES.get(kind, ""))
    header.append(f"  origin [{origin['start']}:{origin['end']}] → copy [{copy['start']}:{copy['end']}]", style="dim")
    if not reuse["origin_certain"]:
        header.append("  origin uncertain", style="yellow")
    alignment = align_reuse(reuse, texts)
    if alignment is None:
        return [header, Text("(text not in the index)", style="dim")]
    if alignment.identical:
        header.append("  identical words", style="dim")
    body = Text()
    for mark, piece in alignment.merged(texts[origin["path"]], texts[copy["path"]]):
        opening, closing = _BRACKETS.get(mark, ("", ""))
        body.append(opening + _WHITESPACE.sub(" ", piece) + closing, style=_STYLES[mark])
    return [header, body]


def _origin_lines(group: OriginGroup) -> list[Text]:
    origin = group.origin
    lines = [Text.assemble(("ORIGIN ", "bold green"), (article_name(origin), "bold"))]
    lines.append(Text(f"  {format_published(origin)} · {origin['path']}", style="dim"))
    if origin.get("url"):
        lines.append(Text(f"  {origin['url']}", style="dim"))
    return lines


def _copy_line(copy: dict[str, Any], reuses: list[dict[str, Any]]) -> Text:
    line = Text.assemble(("→ COPY ", "bold cyan"), (article_name(copy), "bold"))
    line.append(f"  {format_published(copy)} · lag {format_lag(reuses[0]['lag_seconds'])} · {copy['path']}", style="dim")
    return line


def _chosen_groups(report: dict[str, Any], overview: Overview, top: int | None) -> list[OriginGroup]:
    """Every origin in display order, or the ``top`` most reused (overview ranking)."""
    groups = display_groups(report)
    if top is None:
        return groups
    return [groups[stat.position] for stat in overview.origins[:top]]


def render_text(
    report: dict[str, Any],
    texts: Mapping[str, str],
    *,
    terminal: bool = False,
    width: int | None = None,
    color: bool | None = None,
    top: int | None = None,
    rows: int = TOP_ROWS,
) -> str:
    """The human report. ``texts`` maps document path -> decoded text (for the spans);
    ``terminal`` says whether the output goes to a terminal (colour, wrap to ``width``);
    ``top`` shows only the ``top`` most reused origin articles in full; ``rows`` is the
    length of the overview's rankings."""
    buffer = io.StringIO()
    console = _console(buffer, terminal, width, color)
    narrow = min(console.width, OVERVIEW_WIDTH)
    console.print(Text("passage-provenance report", style="bold underline"))
    console.print(_summary(report, narrow), width=narrow)
    shown, total = len(report["reuses"]), report["summary"]["reuses"]
    if not report["reuses"]:
        console.print()
        console.print("No reused passages across articles." if total == 0 else f"No reuses match the filters ({total} in the index).")
        return _finish(buffer.getvalue(), console)
    overview = build_overview(report)
    if shown < total:
        console.print(Text(f"showing {shown} of {total} reuses (filtered)", style="dim"))
    console.print()
    console.print(render_overview(overview, rows), width=narrow, soft_wrap=False)
    groups = _chosen_groups(report, overview, top)
    if len(groups) < overview.origin_articles:
        console.print()
        console.print(Text(f"The {len(groups)} most reused origin articles follow.", style="bold"))
        console.print(Text(f"{overview.origin_articles - len(groups)} more — use --limit 0 to show them all, "
                           "or --format html -o DIR/", style="bold"), width=narrow, soft_wrap=False)
    for group in groups:
        console.print()
        for line in _origin_lines(group):
            console.print(line)
        for copy, reuses in group.copies:
            console.print(Padding(_copy_line(copy, reuses), (0, 0, 0, 2)) if terminal else Text("  ") + _copy_line(copy, reuses))
            for reuse in reuses:
                for text in _passage(reuse, texts):
                    # Padding keeps wrapped lines indented on a terminal; piped, nothing wraps.
                    console.print(Padding(text, (0, 0, 0, 4)) if terminal else Text("    ") + text)
    return _finish(buffer.getvalue(), console)


def _finish(rendered: str, console: Console) -> str:
    # Table cells are padded to their width; without colour, drop the trailing blanks.
    if console.no_color or console.color_system is None:
        return "\n".join(line.rstrip() for line in rendered.split("\n"))
    return rendered
