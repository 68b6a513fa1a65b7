"""The terminal view: a one-screen summary, then per origin article what each copy took.

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
from typing import Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from provenance.report.align import align_reuse
from provenance.report.select import OriginGroup, display_groups, format_published, outlet

__all__ = ["format_lag", "render_text"]

PIPED_WIDTH = 200  # tables only (they take their natural width); text lines never wrap when piped
OVERVIEW_ROWS = 15  # article pairs in the overview, to keep it on one screen

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


def _summary(report: dict[str, Any]) -> Table:
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
    table = Table.grid(padding=(0, 1))
    for _ in range(3):
        table.add_column(justify="right", style="bold")
        table.add_column(style="dim", min_width=22)
    for row in range(0, len(cells), 3):
        flat: list[str] = []
        for label, value in cells[row : row + 3]:
            flat.extend([str(value), label])
        table.add_row(*flat)
    return table


def _overview(groups: list[OriginGroup]) -> tuple[Table, int]:
    """One row per (origin article, copying article); returns the table and rows left out."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("origin", overflow="fold")
    table.add_column("published", no_wrap=True)
    table.add_column("copy", overflow="fold")
    table.add_column("passages", justify="right")
    table.add_column("best", justify="right")
    table.add_column("lag", no_wrap=True)
    rows = [(group.origin, copy, reuses) for group in groups for copy, reuses in group.copies]
    for origin, copy, reuses in rows[:OVERVIEW_ROWS]:
        table.add_row(
            Text(origin["path"], style="green"),
            format_published(origin),
            Text(copy["path"], style="cyan"),
            str(len(reuses)),
            f"{max(r['similarity'] for r in reuses):.2f}",
            format_lag(reuses[0]["lag_seconds"]),
        )
    return table, max(0, len(rows) - OVERVIEW_ROWS)


def _passage(reuse: dict[str, Any], texts: dict[str, str]) -> list[Text]:
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


def render_text(
    report: dict[str, Any],
    texts: dict[str, str],
    *,
    terminal: bool = False,
    width: int | None = None,
    color: bool | None = None,
) -> str:
    """The human report. ``texts`` maps document path -> decoded text (for the spans);
    ``terminal`` says whether the output goes to a terminal (colour, wrap to ``width``)."""
    buffer = io.StringIO()
    console = _console(buffer, terminal, width, color)
    console.print(Text("passage-provenance report", style="bold underline"))
    console.print(_summary(report))
    groups = display_groups(report)
    shown, total = len(report["reuses"]), report["summary"]["reuses"]
    if not groups:
        console.print()
        console.print("No reused passages across articles." if total == 0 else f"No reuses match the filters ({total} in the index).")
        return _finish(buffer.getvalue(), console)
    console.print()
    table, left_out = _overview(groups)
    console.print(table)
    if left_out:
        console.print(Text(f"… and {left_out} more article pairs below", style="dim"))
    if shown < total:
        console.print(Text(f"showing {shown} of {total} reuses (--origin/--copy/--limit)", style="dim"))
    for group in groups:
        origin = group.origin
        console.print()
        line = Text.assemble(("ORIGIN ", "bold green"), (origin["path"], "bold"))
        line.append(f"  {outlet(origin) or 'no outlet'} · {format_published(origin)}", style="dim")
        console.print(line)
        if origin.get("title"):
            console.print(Text(f"  {origin['title']}", style="bold"))
        if origin.get("url"):
            console.print(Text(f"  {origin['url']}", style="dim"))
        for copy, reuses in group.copies:
            line = Text.assemble(("  → COPY ", "bold cyan"), (copy["path"], "bold"))
            line.append(f"  {outlet(copy) or 'no outlet'} · {format_published(copy)} · lag {format_lag(reuses[0]['lag_seconds'])}", style="dim")
            console.print(line)
            if copy.get("title"):
                console.print(Text(f"    {copy['title']}", style="bold"))
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
