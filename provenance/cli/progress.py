"""The scan's progress display: rich, on stderr, only when stderr is a terminal.

A line per phase: ``loading`` with files read of those listed, articles read, passages
written, a rate and an ETA; then ``matching`` and ``refreshing findings``, whose length is
not known beforehand, with a pulsing bar and the time spent. The display is transient:
it leaves nothing behind in the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from provenance.scanning import Observe, ScanProgress

__all__ = ["ScanDisplay"]


class _DetailColumn(ProgressColumn):
    """Counts, and for the loading phase files done of the total, a rate and an ETA."""

    def render(self, task: Task) -> Text:
        counts = str(task.fields.get("counts", ""))
        if task.total is None or task.finished:
            return Text(counts)
        parts = [f"{int(task.completed):,}/{int(task.total):,} files", counts]
        if task.speed:
            parts.append(f"{task.speed:,.1f} files/s")
        if task.time_remaining is not None:
            parts.append(f"ETA {timedelta(seconds=int(task.time_remaining))}")
        return Text(" · ".join(parts))


class ScanDisplay:
    """``with ScanDisplay(enabled) as observe: scan(..., observe=observe)``.

    ``observe`` is ``None`` when the display is off (``enabled`` false, or ``stream`` not a
    terminal and no ``console`` given), so the scan does no display work at all.
    """

    def __init__(self, enabled: bool = True, stream: IO[str] | None = None, console: Console | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        stream = stream or sys.stderr
        self._on = enabled and (console is not None or stream.isatty())
        self._console = console or Console(file=stream)
        self._clock = clock  # rates and ETAs are measured on it (tests pass a fake one)
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Observe | None:
        if not self._on:
            return None
        # A short bar leaves room for the counts on an 80-column terminal.
        self._bar = Progress(TextColumn("{task.description:<19}"), BarColumn(bar_width=16), TimeElapsedColumn(), _DetailColumn(),
                             console=self._console, transient=True, get_time=self._clock)
        self._bar.start()
        return self.observe

    def observe(self, state: ScanProgress) -> None:
        if self._bar is None:
            return
        counts = f"{state.articles:,} articles · {state.passages:,} passages"
        if state.phase not in self._tasks:
            for earlier in self._tasks.values():  # that phase is over
                done = self._bar.tasks[earlier].total or 1
                self._bar.update(earlier, total=done, completed=done)
                self._bar.stop_task(earlier)
            total = state.files_total if state.phase == "loading" else None
            self._tasks[state.phase] = self._bar.add_task(state.phase, total=total, counts=counts)
        task = self._tasks[state.phase]
        if state.phase == "loading":
            self._bar.update(task, completed=state.files, total=state.files_total, counts=counts)
        else:
            self._bar.update(task, counts=counts)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
