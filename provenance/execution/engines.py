"""Choose an executor by engine name: the one switch between local and distributed runs.

Both engines expose the same ordered ``map(function, items)`` and context-manager
protocol, so callers (``scan``) run the same stage functions and write results the
same way whichever engine computed them.
"""

from __future__ import annotations

from typing import Literal, Protocol, Self

from provenance.errors import ConfigError

__all__ = ["ENGINES", "Engine", "Executor", "check_engine", "open_executor"]

Engine = Literal["local", "dask"]
ENGINES: tuple[str, ...] = ("local", "dask")


class Executor(Protocol):
    """What ``scan`` needs from an engine: an ordered map, and closing on exit."""

    def map(self, function, items):  # type: ignore[no-untyped-def]
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


def check_engine(engine: str, scheduler: str | None = None) -> None:
    """Raise :class:`ConfigError` for an unknown engine, a scheduler given to the local
    engine, or the Dask engine without Dask installed; called before any work starts,
    so a wrong option never leaves a half-made index behind."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if engine == "local" and scheduler is not None:
        raise ConfigError("--scheduler needs --engine dask (the local engine runs on this machine only)")
    if engine == "dask":
        from provenance.execution.dask import require_dask

        require_dask()


def open_executor(engine: str, workers: int, scheduler: str | None = None) -> Executor:
    """The executor for ``engine``; ``scheduler`` (a Dask address) only with ``dask``.

    Raises :class:`ConfigError` as :func:`check_engine` does.
    """
    check_engine(engine, scheduler)
    if engine == "local":
        from provenance.execution.local import LocalExecutor

        return LocalExecutor(workers)
    from provenance.execution.dask import DaskExecutor

    return DaskExecutor(workers, scheduler)
