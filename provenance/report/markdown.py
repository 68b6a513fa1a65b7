"""The Markdown report: GitHub-flavoured, sized for a pull-request comment or a CI step
summary.

A summary line and the overview (outlet flows, the most reused origin articles, lags,
kinds, the busiest day) come first, then a table of every reuse; then one section per origin
article with, for each copy, the reused passage quoted as a word diff against the
origin: removed words ~~struck~~, added words **bold** (GitHub renders no colour in
comments, so emphasis carries the edits). Article text is escaped so it can neither
break the table nor inject HTML. Past ``max_chars`` (GitHub refuses comments over 65,536
characters) the sections stop with a note saying how many reuses were left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from provenance.report.align import align_reuse
from provenance.report.overview import build_overview
from provenance.report.select import TOP_ROWS, display_groups, format_lag, format_published, outlet

__all__ = ["MAX_CHARS", "escape_markdown", "render_markdown"]

MAX_CHARS = 60_000

# Characters with a meaning anywhere in GFM inline syntax or tables; "<", ">" and "&"
# become entities. Block markers ("#", "-", "1.") only matter at a line start.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_BLOCK_START = re.compile(r"^(\d*)([#>+=.)-])")
_WHITESPACE = re.compile(r"\s+")
_EMPHASIS = {"deleted": "~~", "changed-from": "~~", "inserted": "**", "changed-to": "**"}


def escape_markdown(text: str) -> str:
    """Literal text as one line of Markdown: whitespace collapsed, syntax and HTML escaped."""
    text = _WHITESPACE.sub(" ", text).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BLOCK_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", text))


def _code(text: str) -> str:
    # Paths go in code spans; a backtick inside one needs a longer fence.
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text.replace('|', '&#124;')}{pad}{fence}"


def _title(document: dict[str, Any]) -> str:
    return escape_markdown(document.get("title") or document["path"])


def _emphasised(mark: str, text: str) -> str:
    """Wrap ``text`` in the emphasis for ``mark``; delimiters hug the words (GFM needs it)."""
    marker = _EMPHASIS.get(mark)
    stripped = escape_markdown(text)
    if marker is None or not stripped:
        return escape_markdown(text) if text.strip() else " "
    lead = " " if text[:1].isspace() else ""
    tail = " " if text[-1:].isspace() else ""
    return f"{lead}{marker}{stripped}{marker}{tail}"


def _quoted(reuse: dict[str, Any], texts: Mapping[str, str]) -> str:
    alignment = align_reuse(reuse, texts)
    if alignment is None:
        return "> *(text not in the index)*"
    pieces = alignment.merged(texts[reuse["origin"]["path"]], texts[reuse["copy"]["path"]])
    line = "".join(_emphasised(mark, text) if mark != "same" else _same(text) for mark, text in pieces)
    return "> " + _WHITESPACE.sub(" ", line).strip()


def _same(text: str) -> str:
    lead = " " if text[:1].isspace() else ""
    tail = " " if text[-1:].isspace() and text.strip() else ""
    return f"{lead}{escape_markdown(text)}{tail}" if text.strip() else " "


def _summary(report: dict[str, Any]) -> list[str]:
    summary = report["summary"]
    shown, total = len(report["reuses"]), summary["reuses"]
    line = (
        f"**{total}** reuses of **{summary['reused_passages']}** passages across **{summary['documents']}** documents"
        f" · {summary['clusters']} clusters · {summary['boilerplate_passages']} boilerplate passages"
        f" · {summary['undated_documents']} undated documents"
    )
    if summary["uncertain_origins"]:
        line += f" · {summary['uncertain_origins']} uncertain origins"
    lines = ["## Passage provenance report", "", line]
    if shown < total:
        lines += ["", f"Showing {shown} of {total} reuses (filtered)."]
    return lines


def _table(report: dict[str, Any], budget: int) -> list[str]:
    """The reuse table, cut (with a note) once it would take more than ``budget`` chars."""
    lines = [
        "| origin | published | copy | published | kind | similarity | lag |",
        "| --- | --- | --- | --- | --- | ---: | --- |",
    ]
    rows = []
    for group in display_groups(report):
        for copy, reuses in group.copies:
            for reuse in reuses:
                certain = "" if reuse["origin_certain"] else " (uncertain)"
                rows.append(
                    f"| {_code(group.origin['path'])} | {format_published(group.origin)}{certain} | {_code(copy['path'])}"
                    f" | {format_published(copy)} | {reuse['kind']} | {reuse['similarity']:.2f}"
                    f" | {format_lag(reuse['lag_seconds'])} |"
                )
    size = sum(len(line) + 1 for line in lines)
    for position, row in enumerate(rows):
        if size + len(row) + 1 > budget:
            return [*lines, "", f"*… {len(rows) - position} more rows left out to fit.*"]
        lines.append(row)
        size += len(row) + 1
    return lines


def _byline(document: dict[str, Any]) -> str:
    parts = [_code(document["path"]), escape_markdown(outlet(document) or "no outlet"), format_published(document)]
    if document.get("url"):
        parts.append(f"<{document['url'].replace('>', '%3E').replace(' ', '%20')}>")
    return " · ".join(parts)


def _section(group: Any, texts: Mapping[str, str]) -> list[str]:
    origin = group.origin
    lines = [f"### {_title(origin)}", "", f"Origin: {_byline(origin)}", ""]
    for copy, reuses in group.copies:
        lag = format_lag(reuses[0]["lag_seconds"])
        lines += [f"#### → {_title(copy)}", "", f"Copy: {_byline(copy)} · lag {lag}", ""]
        for reuse in reuses:
            o, c = reuse["origin"], reuse["copy"]
            note = "" if reuse["origin_certain"] else " · origin uncertain"
            lines += [
                (f"*{reuse['kind']}, similarity {reuse['similarity']:.2f}* · origin `[{o['start']}:{o['end']}]`"
                 f" → copy `[{c['start']}:{c['end']}]`{note}"),
                "",
                _quoted(reuse, texts),
                "",
            ]
    return lines


def _overview(report: dict[str, Any], top: int = TOP_ROWS) -> list[str]:
    """Outlet flows and the most reused origins (``top`` rows each), then lags and kinds."""
    overview = build_overview(report)
    lines = ["### Who takes text from whom, by outlet", "",
             "| from (origin outlet) | to (copying outlet) | passages | copying articles |", "| --- | --- | ---: | ---: |"]
    lines += [f"| {escape_markdown(f.origin_outlet)} | {escape_markdown(f.copy_outlet)} | {f.passages} | {f.copy_articles} |"
              for f in overview.flows[:top]]
    if len(overview.flows) > top:
        lines += ["", f"*… {len(overview.flows) - top} more outlet pairs.*"]
    lines += ["", "### Most reused origin articles", "", "| # | origin article | outlet | published | copies | passages |",
              "| ---: | --- | --- | --- | ---: | ---: |"]
    lines += [f"| {rank} | {_title(s.origin)} | {escape_markdown(outlet(s.origin) or 'no outlet')} | "
              f"{format_published(s.origin)} | {s.copy_articles} | {s.passages} |"
              for rank, s in enumerate(overview.origins[:top], start=1)]
    if len(overview.origins) > top:
        lines += ["", f"*… {len(overview.origins) - top} more origin articles.*"]
    lines += ["", "**Time to copy** (article pairs): " + " · ".join(f"{label} {n}" for label, n in overview.lags),
              "", "**By kind** (passages): " + " · ".join(f"{kind} {n}" for kind, n in overview.kinds)]
    if overview.days:
        busiest, count = max(overview.days, key=lambda item: (item[1], -item[0].toordinal()))
        lines += ["", (f"**By day**: copies published {overview.days[0][0]} to {overview.days[-1][0]}; "
                      f"busiest day {busiest} with {count} passages.")]
    return lines


def render_markdown(report: dict[str, Any], texts: Mapping[str, str], max_chars: int = MAX_CHARS) -> str:
    """The GitHub-flavoured Markdown report; ``texts`` maps document path -> decoded text."""
    lines = _summary(report)
    if not report["reuses"]:
        lines += ["", "No reused passages across articles." if report["summary"]["reuses"] == 0 else "No reuses match the filters."]
        return "\n".join(lines) + "\n"
    lines += ["", *_overview(report), "", "### Every reuse", "", *_table(report, max_chars // 2), "", "Removed words are ~~struck through~~, added words are **bold**.", ""]
    size = sum(len(line) + 1 for line in lines)
    groups = display_groups(report)
    for position, group in enumerate(groups):
        section = _section(group, texts)
        section_size = sum(len(line) + 1 for line in section)
        if size + section_size > max_chars:
            left = sum(len(g.reuses) for g in groups[position:])
            lines += [f"*… {left} more reuses left out to fit; see `provenance report --format html`.*", ""]
            break
        lines += section
        size += section_size
    return "\n".join(lines).rstrip("\n") + "\n"
