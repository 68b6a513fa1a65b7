"""The terminal view: a one-screen summary, then per origin article its copies.

Rendered with rich: width-aware tables; colour only on a terminal and never when
``NO_COLOR`` is set (rich honours it); reused text shown in full, highlighted.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

__all__ = ["format_lag", "render_text"]


def format_lag(seconds: int | None) -> str:
    """``+1 day 2 h``-style lag between origin and copy ("?" when a date is missing)."""
    if seconds is None:
        return "?"
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return sign + (" ".join(parts) if parts else "0 min")


def _console(file: io.TextIOBase | None, color: bool | None, width: int | None) -> Console:
    no_color = bool(os.environ.get("NO_COLOR"))
    force = None if color is None else color
    return Console(file=file, width=width, no_color=no_color or color is False, force_terminal=force, highlight=False, soft_wrap=False)


def _summary(report: dict[str, Any]) -> Table:
    summary = report["summary"]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, key in (
        ("documents", "documents"),
        ("passages", "passages"),
        ("reused passages", "reused_passages"),
        ("reuses", "reuses"),
        ("clusters", "clusters"),
        ("boilerplate passages", "boilerplate_passages"),
        ("undated documents", "undated_documents"),
        ("uncertain origins", "uncertain_origins"),
    ):
        table.add_row(label, str(summary[key]))
    return table


def render_text(
    report: dict[str, Any],
    texts: dict[str, str],
    limit: int | None = None,
    color: bool | None = None,
    width: int | None = None,
) -> str:
    """The human report; ``texts`` maps document path -> decoded text for the spans."""
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    console.print(Text("passage-provenance report", style="bold underline"))
    console.print(_summary(report))
    documents = {d["path"]: d for d in report["documents"]}
    by_origin: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for reuse in report["reuses"]:
        by_origin[reuse["origin"]["path"]].append(reuse)
    if not by_origin:
        console.print("\nNo reused passages across articles.")
    shown = 0
    for origin_path in sorted(by_origin, key=lambda p: (documents[p]["published"] is None, documents[p]["published"] or "", p)):
        if limit is not None and shown >= limit:
            console.print(f"\n… {len(report['reuses']) - shown} more reuses (raise --limit to see them)")
            break
        origin = documents[origin_path]
        console.print()
        console.print(Text.assemble(("ORIGIN ", "bold green"), (origin_path, "bold"), f"  {origin['title'] or ''}"))
        console.print(Text(f"  published {origin['published'] or 'undated'}  {origin['url'] or ''}", style="dim"))
        for reuse in by_origin[origin_path]:
            if limit is not None and shown >= limit:
                break
            shown += 1
            console.print(_reuse_block(reuse, documents, texts))
    return buffer.getvalue()


def _reuse_block(reuse: dict[str, Any], documents: dict[str, Any], texts: dict[str, str]) -> Group:
    copy = reuse["copy"]
    certainty = "" if reuse["origin_certain"] else "  (origin uncertain)"
    header = Text.assemble(
        ("  → ", "bold"),
        (copy["path"], "bold cyan"),
        f"  {documents[copy['path']]['published'] or 'undated'}  lag {format_lag(reuse['lag_seconds'])}  ",
        (f"{reuse['kind']} {reuse['similarity']:.2f}", "magenta"),
        (certainty, "yellow"),
    )
    origin_text = texts.get(reuse["origin"]["path"], "")[reuse["origin"]["start"] : reuse["origin"]["end"]]
    copy_text = texts.get(copy["path"], "")[copy["start"] : copy["end"]]
    lines = [header, Text(f"    origin [{reuse['origin']['start']}:{reuse['origin']['end']}] ", style="dim") + Text(origin_text)]
    if copy_text != origin_text:
        lines.append(Text(f"    copy   [{copy['start']}:{copy['end']}] ", style="dim") + Text(copy_text, style="bold"))
    else:
        lines.append(Text(f"    copy   [{copy['start']}:{copy['end']}] identical text", style="dim"))
    return Group(*lines)
