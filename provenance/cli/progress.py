"""The scan's progress display: rich, on stderr, only when stderr is a terminal.

A line per phase: ``loading`` with files read of those listed, articles read, passages
written, a rate and an ETA; then ``matching`` and ``refreshing findings``, whose length is
not known beforehand, with a pulsing bar and the time spent. The display is transient:
it leaves nothing behind in the terminal. The bars themselves are in
:mod:`~provenance.cli.progress_bar`, imported only when the display is on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from provenance.scanning import Observe, ScanProgress

if TYPE_CHECKING:
    from rich.console import Console

    from provenance.cli.progress_bar import PhaseBars

__all__ = ["ScanDisplay"]


class ScanDisplay:
    """``with ScanDisplay(enabled) as observe: scan(..., observe=observe)``.

    ``observe`` is ``None`` when the display is off (``enabled`` false, or ``stream`` not a
    terminal and no ``console`` given), so the scan does no display work at all.
    """

    def __init__(self, enabled: bool = True, stream: IO[str] | None = None, console: Console | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self._stream = stream or sys.stderr
        self._on = enabled and (console is not None or self._stream.isatty())
        self._console = console
        self._clock = clock  # rates and ETAs are measured on it (tests pass a fake one)
        self._bars: PhaseBars | None = None

    def __enter__(self) -> Observe | None:
        if not self._on:
            return None
        from provenance.cli.progress_bar import PhaseBars  # rich (~80 ms): only when drawing

        self._bars = PhaseBars(self._console, self._stream, self._clock)
        self._bars.start()
        return self.observe

    def observe(self, state: ScanProgress) -> None:
        if self._bars is not None:
            self._bars.observe(state)

    def __exit__(self, *exc: object) -> None:
        if self._bars is not None:
            self._bars.stop()
