"""Connected components of match pairs by min-label hooking, pointer jumping and
contraction, in relational steps (polars here, shuffle-joins on Dask).

a union-find over a Python dict (the tests' reference)
and :func:`~provenance.pipeline.cluster.label_components` (native union-find)
both need every pair in one process's memory. At archive scale the pairs live in many
Parquet shards; this module labels components with joins and group-bys only, which
polars runs over ``scan_parquet`` shards on one machine and which map one-to-one onto
hash-partitioned shuffles on a cluster
(:mod:`provenance.execution.dask_components` runs the same kernels below on Dask).

The rule, per round, over the edges between the units still standing:

1. **hook** (:func:`hook`): each unit points at the smallest of itself and its
   neighbours (a group-by);
2. **shortcut** (:func:`follow`, repeated): each pointer is replaced by its target's
   pointer until none changes (*pointer jumping*: O(log depth) joins), so every unit
   points at a *root*, a unit smaller than all its neighbours;
3. **contract** (:func:`contract`): every edge ``a - b`` becomes ``root(a) - root(b)``;
   edges inside one tree vanish, so each round's graph is that of the roots only.

Rounds stop when no edge is left; then each round's pointers are resolved through the
next round's, last to first. A pointer only ever goes to a smaller unit of the same
component and a root stands for its whole tree, so every unit ends up labelled with the
smallest unit id of its component: what union-find returns (tested on random graphs
and long chains with shuffled ids, where plain label propagation needs a round per
link). Origins are then decided by :mod:`provenance.pipeline.cluster` (earliest
instant) as before.

Example::

    pairs = pl.scan_parquet("work/pairs/*.parquet")        # columns a, b
    labels = component_labels(pairs)                          # unit, component
"""

from __future__ import annotations

from typing import NoReturn

import polars as pl

__all__ = [
    "MAX_ROUNDS", "component_labels", "components_as_dict", "contract", "follow", "hook", "relabel", "resolve", "shortcut",
]

#: Safety net for the rounds and for the jumps of one shortcut: both need O(log n) on
#: real graphs, so this is never reached unless something is wrong.
MAX_ROUNDS = 200

_LABELS = {"unit": pl.Int64, "component": pl.Int64}


def component_labels(pairs: pl.DataFrame | pl.LazyFrame, left: str = "a", right: str = "b") -> pl.DataFrame:
    """``unit -> component`` (smallest unit id of its component) for every unit on a pair.

    ``pairs`` holds undirected edges in columns ``left`` and ``right`` (any order,
    duplicates and self-pairs allowed); a LazyFrame over Parquet shards is read once
    into the edge list. Rows are sorted by unit.
    """
    frame = pairs.lazy().select(pl.col(left).cast(pl.Int64).alias("a"), pl.col(right).cast(pl.Int64).alias("b"))
    # Both directions, so a group-by or join on one column reaches every neighbour.
    edges = pl.concat([frame, frame.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).unique().collect()
    if edges.is_empty():
        return pl.DataFrame(schema=_LABELS)
    pointers: list[pl.DataFrame] = []
    while not edges.is_empty():  # the first round keeps self-pairs, so every unit gets a pointer
        if len(pointers) >= MAX_ROUNDS:
            _did_not_converge("rounds")
        parent = shortcut(hook(edges))
        pointers.append(parent)
        edges = contract(edges, parent)
    return resolve(pointers).sort("unit")


def hook(edges: pl.DataFrame) -> pl.DataFrame:
    """``unit -> component``: the smallest of each unit ``a`` and its neighbours ``b``."""
    return edges.group_by("a").agg(pl.col("b").min()).select(
        pl.col("a").alias("unit"), pl.min_horizontal("a", "b").alias("component")
    )


def follow(parent: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Each ``parent`` pointer replaced by its target's pointer in ``targets`` (kept when
    the target has none), with ``changed`` marking the rows that moved."""
    joined = parent.select("unit", "component").join(
        targets.select(pl.col("unit").alias("component"), pl.col("component").alias("root")), on="component", how="left"
    )
    return joined.select(
        "unit",
        pl.coalesce("root", "component").alias("component"),
        (pl.col("root").is_not_null() & (pl.col("root") != pl.col("component"))).alias("changed"),
    )


def shortcut(parent: pl.DataFrame) -> pl.DataFrame:
    """Pointer jumping until every unit points at a root."""
    for _ in range(MAX_ROUNDS):
        jumped = follow(parent, parent)
        if not jumped["changed"].any():
            return parent
        parent = jumped.drop("changed")
    _did_not_converge("pointer jumps")


def relabel(edges: pl.DataFrame, parent: pl.DataFrame, column: str) -> pl.DataFrame:
    """``edges`` with ``column`` replaced by its unit's pointer (kept when it has none)."""
    joined = edges.join(parent.select(pl.col("unit").alias(column), pl.col("component").alias("_to")), on=column, how="left")
    return joined.with_columns(pl.coalesce("_to", column).alias(column)).select("a", "b")


def contract(edges: pl.DataFrame, parent: pl.DataFrame) -> pl.DataFrame:
    """The edges between roots: ``root(a) - root(b)``, without self-pairs or duplicates."""
    moved = relabel(relabel(edges, parent, "a"), parent, "b")
    return moved.filter(pl.col("a") != pl.col("b")).unique()


def resolve(pointers: list[pl.DataFrame]) -> pl.DataFrame:
    """Final labels from each round's pointers: a root of round ``i`` takes its label
    from round ``i + 1`` (if it still had edges there)."""
    final = pointers[-1]
    for parent in reversed(pointers[:-1]):
        final = follow(parent, final).drop("changed")
    return final


def components_as_dict(labels: pl.DataFrame) -> dict[int, int]:
    """The labels as a dict: id -> smallest id of its component (as a union-find gives)."""
    return dict(zip(labels["unit"].to_list(), labels["component"].to_list(), strict=True))


def _did_not_converge(what: str) -> NoReturn:
    raise RuntimeError(f"component labelling did not converge in {MAX_ROUNDS} {what}; this is a bug, please report it")
