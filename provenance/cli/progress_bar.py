"""The rich bars behind :class:`~provenance.cli.progress.ScanDisplay`, a line per phase.

Imported only when the display is on (stderr is a terminal), so a quiet or redirected
run never loads rich.
"""

from __future__ import annotations

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

from provenance.scanning import ScanProgress

__all__ = ["PhaseBars"]


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


class PhaseBars:
    """A transient bar per phase on ``console`` (else a console on ``stream``); rates and
    ETAs measured on ``clock``."""

    def __init__(self, console: Console | None, stream: IO[str], clock: Callable[[], float] | None = None) -> None:
        # A short bar leaves room for the counts on an 80-column terminal.
        self._bar = Progress(TextColumn("{task.description:<19}"), BarColumn(bar_width=16), TimeElapsedColumn(), _DetailColumn(),
                             console=console or Console(file=stream), transient=True, get_time=clock)
        self._tasks: dict[str, TaskID] = {}

    def start(self) -> None:
        self._bar.start()

    def observe(self, state: ScanProgress) -> None:
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

    def stop(self) -> None:
        self._bar.stop()
