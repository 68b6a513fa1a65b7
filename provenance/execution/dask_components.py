"""Connected components of match pairs on a Dask cluster: shuffle-joins, not one dict.

:func:`dask_component_labels` runs the rule of :mod:`provenance.pipeline.components`
(hook to the smallest neighbour, pointer jumping, contraction; the very same polars
kernels) on dask.dataframe partitions, so pairs and labels stay spread over the workers
and no process ever holds the whole graph. Every frame is hash-partitioned by the
column the next step joins or groups on, into the same number of partitions, so equal
unit ids meet in the partition of the same number and each join or group-by is a
partition-wise ``map_partitions``; the shuffles are explicit:

* edges (both directions) by ``a``: **hook** is then a per-partition group-by, and its
  pointers come out partitioned by unit;
* each **pointer jump** moves the pointers to their target's partition (by
  ``component``), looks the target up there, and moves the result back (by ``unit``);
* **contraction** relabels ``a`` in place, moves the edges by ``b`` to relabel ``b``,
  then by the new ``a`` to drop duplicates: the next round's edges, between roots only.

Rounds are O(log n) (long chains with shuffled ids included), each a few shuffles. At
the fixed point every unit carries the smallest unit id of its component: what
union-find and :func:`provenance.pipeline.cluster.label_components` give (tested on random
graphs and long chains). Origins are still chosen by :mod:`provenance.pipeline.cluster`.

:class:`DaskLabeller` adapts this to the findings refresh
(``refresh(index, labeller=...)``): it writes the pairs as Parquet shards where the
workers can read them (or sends them in memory), labels them on the cluster and returns
``(units, labels)`` exactly as ``label_components`` does.

Example::

    pairs = dd.read_parquet("work/pairs/")              # columns a, b
    labels = dask_component_labels(pairs).compute()      # unit, component
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import pandas as pd
import polars as pl

from provenance.execution.dask import DaskExecutor, check_workdir_visible, current_client
from provenance.pipeline import components
from provenance.pipeline.components import MAX_ROUNDS

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

__all__ = ["LOCAL_BELOW", "PAIRS_PER_SHARD", "DaskLabeller", "dask_component_labels", "write_pair_shards"]

#: Pairs per Parquet shard: 16 MB of ``(a, b)`` int64 rows.
PAIRS_PER_SHARD = 1 << 20

#: Fewer pairs than this are labelled on the client with scipy (the same labels): they
#: are in its memory already, and scipy labels a million pairs faster than a cluster
#: runs one shuffle.
LOCAL_BELOW = 1_000_000

_EDGES = pd.DataFrame({"a": pd.Series(dtype="int64"), "b": pd.Series(dtype="int64")})
_POINTERS = pd.DataFrame({"unit": pd.Series(dtype="int64"), "component": pd.Series(dtype="int64")})
_MOVED = _POINTERS.assign(changed=pd.Series(dtype="bool"))


def dask_component_labels(pairs: dd.DataFrame, left: str = "a", right: str = "b", *,
                          partitions: int | None = None, shuffle_method: str | None = None) -> dd.DataFrame:
    """``unit -> component`` (smallest unit id of its component) for every unit on a pair.

    ``pairs`` holds undirected edges in columns ``left`` and ``right`` (any order,
    duplicates and self-pairs allowed); ``partitions`` (default: as many as ``pairs``)
    is how many hash partitions every shuffle makes, and ``shuffle_method`` how (Dask's
    choice by default: ``"p2p"`` on a cluster, which scales to pairs that do not fit in
    memory; ``"tasks"`` has less overhead on small data). The result is a dask DataFrame with
    int64 columns ``unit`` and ``component``, persisted on the cluster and
    hash-partitioned by unit, unordered (``.compute().sort_values("unit")`` to collect
    it, ``.to_parquet(...)`` to keep it distributed). Runs on the current Dask client.
    """
    import dask.dataframe as dd

    shuffle = _Shuffle(max(1, partitions or pairs.npartitions), shuffle_method)
    frame = pairs[[left, right]].astype("int64").rename(columns={left: "a", right: "b"})
    both = dd.concat([frame, frame.rename(columns={"a": "b", "b": "a"})[["a", "b"]]])
    edges = shuffle(both, "a").map_partitions(_unique, meta=_EDGES).persist()
    pointers: list[dd.DataFrame] = []
    while len(edges):  # the first round keeps self-pairs, so every unit gets a pointer
        if len(pointers) >= MAX_ROUNDS:
            _did_not_converge("rounds")
        parent = _shortcut(edges.map_partitions(_PolarsKernel(components.hook), meta=_POINTERS).persist(), shuffle)
        pointers.append(parent)
        edges = _contract(edges, parent, shuffle).persist()
    if not pointers:
        return dd.from_pandas(_POINTERS, npartitions=1)
    final = pointers[-1]
    for parent in reversed(pointers[:-1]):
        final = _follow(parent, final, shuffle)[["unit", "component"]].persist()
    return final


def _shortcut(parent: dd.DataFrame, shuffle: _Shuffle) -> dd.DataFrame:
    """Pointer jumping until every unit points at a root; ``parent`` is partitioned by unit."""
    for _ in range(MAX_ROUNDS):
        jumped = _follow(parent, parent, shuffle).persist()
        if not bool(jumped["changed"].any().compute()):
            return parent
        parent = jumped[["unit", "component"]]
    _did_not_converge("pointer jumps")


def _follow(parent: dd.DataFrame, targets: dd.DataFrame, shuffle: _Shuffle) -> dd.DataFrame:
    """:func:`components.follow`: ``parent`` moved to its targets' partitions (``targets``
    is partitioned by unit), looked up there, and moved back by unit."""
    import dask.dataframe as dd

    moved = shuffle(parent[["unit", "component"]], "component")
    looked_up = dd.map_partitions(_PolarsKernel(components.follow), moved, targets[["unit", "component"]],
                                  meta=_MOVED, align_dataframes=False)
    return shuffle(looked_up, "unit")


def _contract(edges: dd.DataFrame, parent: dd.DataFrame, shuffle: _Shuffle) -> dd.DataFrame:
    """:func:`components.contract` with ``edges`` partitioned by ``a`` and ``parent`` by unit."""
    import dask.dataframe as dd

    relabel = _PolarsKernel(components.relabel)
    relabel_a = dd.map_partitions(relabel, edges, parent, "a", meta=_EDGES, align_dataframes=False)
    relabel_b = dd.map_partitions(relabel, shuffle(relabel_a, "b"), parent, "b", meta=_EDGES, align_dataframes=False)
    return shuffle(relabel_b, "a").map_partitions(_without_loops, meta=_EDGES)


@dataclass(frozen=True, slots=True)
class _Shuffle:
    """Hash-partition a frame by one column into ``count`` partitions. Hash partitioning
    depends only on the values (int64 here), so frames shuffled on equal unit ids put
    them in partitions of equal number, whichever column holds them."""

    count: int
    method: str | None

    def __call__(self, frame: dd.DataFrame, column: str) -> dd.DataFrame:
        return frame.shuffle(on=column, npartitions=self.count, ignore_index=True, shuffle_method=self.method)


@dataclass(frozen=True, slots=True)
class _PolarsKernel:
    """A polars kernel of :mod:`provenance.pipeline.components` over pandas partitions."""

    function: Callable[..., pl.DataFrame]

    def __call__(self, *arguments: object) -> pd.DataFrame:
        converted = [pl.from_pandas(item) if isinstance(item, pd.DataFrame) else item for item in arguments]
        return self.function(*converted).to_pandas()


def _unique(edges: pd.DataFrame) -> pd.DataFrame:
    return pl.from_pandas(edges).unique().to_pandas()


def _without_loops(edges: pd.DataFrame) -> pd.DataFrame:
    return pl.from_pandas(edges).filter(pl.col("a") != pl.col("b")).unique().to_pandas()


def _did_not_converge(what: str) -> NoReturn:
    raise RuntimeError(f"component labelling did not converge in {MAX_ROUNDS} {what}; this is a bug, please report it")


def write_pair_shards(left: np.ndarray, right: np.ndarray, directory: Path,
                      pairs_per_shard: int = PAIRS_PER_SHARD) -> list[Path]:
    """Write the pairs ``left[i] - right[i]`` as ``directory/part-NNNNN.parquet``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, len(left), pairs_per_shard)):
        path = directory / f"part-{number:05d}.parquet"
        stop = start + pairs_per_shard
        pl.DataFrame({"a": left[start:stop], "b": right[start:stop]},
                     schema={"a": pl.Int64, "b": pl.Int64}).write_parquet(path)
        paths.append(path)
    return paths


@dataclass(frozen=True, slots=True)
class DaskLabeller:
    """``(left, right) -> (units, labels)`` on a Dask cluster, with the contract of
    :func:`provenance.pipeline.cluster.label_components`: every unit on a pair,
    ascending, and a label per unit numbering the components 0, 1, … in the order of
    their smallest unit (the order scipy's labels have, so findings are numbered the
    same).

    Fewer than ``local_below`` pairs are labelled here with scipy instead (same labels,
    no cluster round trips). The cluster: the current Dask client when it is connected
    to ``scheduler``; otherwise a :class:`~provenance.execution.dask.DaskExecutor`
    opened for the call (a LocalCluster of ``workers`` processes without
    ``scheduler``). The pairs go to
    the workers as Parquet shards under ``workdir/pairs/RUN/`` (removed afterwards);
    without ``workdir`` under a temporary directory with a LocalCluster, or in memory
    (inside the task graph) with a remote scheduler, whose workers cannot see our disk.
    """

    workers: int = 1
    scheduler: str | None = None
    workdir: str | None = None
    pairs_per_shard: int = PAIRS_PER_SHARD
    local_below: int = LOCAL_BELOW

    def __call__(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not len(left):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if len(left) < self.local_below:
            from provenance.pipeline.cluster import label_components

            return label_components(left, right)
        client = current_client(self.scheduler)
        if client is not None:
            return self._label(client, left, right)
        with DaskExecutor(self.workers, self.scheduler) as executor:
            return self._label(executor.client, left, right)

    def _label(self, client: Client, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import dask.dataframe as dd

        shards = -(-len(left) // self.pairs_per_shard)
        # At least a partition per worker thread, so every worker takes part.
        partitions = max(shards, sum(client.nthreads().values()), 1)
        with client.as_current():
            if self.workdir is None and self.scheduler is not None:
                frame = pl.DataFrame({"a": left, "b": right}, schema={"a": pl.Int64, "b": pl.Int64}).to_pandas()
                pairs = dd.from_pandas(frame, npartitions=shards)
                return _collect(dask_component_labels(pairs, partitions=partitions), client)
            base = Path(self.workdir) if self.workdir is not None else Path(tempfile.mkdtemp(prefix="provenance-pairs-"))
            directory = base / "pairs" / uuid.uuid4().hex[:12]
            try:
                write_pair_shards(left, right, directory, self.pairs_per_shard)
                if self.workdir is not None and self.scheduler is not None:
                    check_workdir_visible(client, self.workdir)
                pairs = dd.read_parquet(os.fspath(directory))
                return _collect(dask_component_labels(pairs, partitions=partitions), client)
            finally:
                shutil.rmtree(directory if self.workdir is not None else base, ignore_errors=True)
                if self.workdir is not None:
                    _remove_if_empty(directory.parent)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:  # other runs' pairs are still there, or it is gone already
        pass


def _collect(labels: dd.DataFrame, client: Client) -> tuple[np.ndarray, np.ndarray]:
    """The labels on the client: units ascending, components densely renumbered."""
    frame = pl.from_pandas(client.compute(labels).result()).sort("unit")
    units = frame["unit"].to_numpy().astype(np.int64)
    # Renumber 0, 1, ... by smallest unit, as scipy numbers components.
    _, dense = np.unique(frame["component"].to_numpy(), return_inverse=True)
    return units, dense.astype(np.int64)
