"""Choose an executor by engine name: the one switch between local and distributed runs.

Both engines expose the same ordered ``map(function, items)`` and context-manager
protocol, so callers (``scan``) run the same stage functions and write results the
same way whichever engine computed them. :func:`component_labeller` is the same switch
for the findings refresh's connected components (native union-find here, shuffle-joins on Dask).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol, Self

import numpy as np

from provenance.errors import ConfigError

__all__ = ["ENGINES", "Engine", "Executor", "Labeller", "check_engine", "component_labeller", "open_executor"]

Engine = Literal["local", "dask"]
ENGINES: tuple[str, ...] = ("local", "dask")

#: ``(left, right) -> (units, labels)``: components of the pairs ``left[i] - right[i]``,
#: with the contract of :func:`provenance.pipeline.cluster.label_components`.
Labeller = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class Executor(Protocol):
    """What ``scan`` needs from an engine: an ordered map, and closing on exit."""

    def map(self, function, items):  # type: ignore[no-untyped-def]
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


def check_engine(engine: str, scheduler: str | None = None) -> None:
    """Raise :class:`ConfigError` for an unknown engine, a scheduler given to the local
    engine, or the Dask engine without Dask installed; called before any work starts,
    so a wrong option never leaves a half-made index behind. A ``scheduler`` must also
    accept a connection (a few seconds at most: see
    :func:`~provenance.execution.dask.check_scheduler`)."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if engine == "local" and scheduler is not None:
        raise ConfigError("--scheduler needs --engine dask (the local engine runs on this machine only)")
    if engine == "dask":
        from provenance.execution.dask import check_scheduler, require_dask

        require_dask()
        if scheduler is not None:
            check_scheduler(scheduler)


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


def component_labeller(engine: str, scheduler: str | None = None, workers: int = 1,
                       workdir: str | None = None) -> Labeller:
    """The connected-components labeller for ``engine`` (``refresh(index, labeller=...)``):
    the native union-find in this process for ``local``; for ``dask``, min-label hooking, pointer jumping
    and contraction as shuffle-joins on the cluster (:class:`~provenance.execution.dask_components.DaskLabeller`,
    pairs staged as Parquet in ``workdir`` or a temporary directory) from
    :data:`~provenance.execution.dask_components.LOCAL_BELOW` pairs up. Both give the
    same labels, so the same findings."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if engine == "local":
        from provenance.pipeline.cluster import label_components

        return label_components
    from provenance.execution import dask_components

    return dask_components.DaskLabeller(workers, scheduler, workdir, local_below=dask_components.LOCAL_BELOW)
