"""Connected components of match pairs by iterative min-label propagation (polars).

:func:`provenance.pipeline.cluster.connected_components` (union-find over a Python dict)
and :func:`~provenance.pipeline.cluster.label_components` (scipy, one sparse matrix)
both need every pair in one process's memory. At archive scale the pairs live in many
Parquet shards; this module labels components with relational steps only — a join and
a group-by per round — which polars runs streaming over ``scan_parquet`` shards on one
machine, and which map one-to-one onto a shuffle-join on a cluster (Dask DataFrame,
Spark) when the pairs outgrow one machine.

The rule: every unit starts with its own id as label. Each round, a unit takes the
smallest label among itself and its neighbours (*propagation*), then the label of its
label (*pointer jumping*, which makes long chains converge in O(log n) rounds instead
of O(diameter)). Labels only decrease and always name a unit of the same component, so
at the fixed point every unit carries the smallest unit id of its component: exactly
what union-find returns, hence the same clusters, and origins are then decided by
:mod:`provenance.pipeline.cluster` (earliest instant) as before.

Example::

    pairs = pl.scan_parquet("work/pairs/*.parquet")        # columns a, b
    labels = component_labels(pairs)                          # unit, component
"""

from __future__ import annotations

import polars as pl

__all__ = ["MAX_ROUNDS", "component_labels", "components_as_dict"]

#: Safety net: pointer jumping converges in O(log n) rounds; this is never reached on
#: real graphs (a 2**64-unit chain needs about 64).
MAX_ROUNDS = 200

_LABELS = {"unit": pl.Int64, "component": pl.Int64}


def component_labels(pairs: pl.DataFrame | pl.LazyFrame, left: str = "a", right: str = "b") -> pl.DataFrame:
    """``unit -> component`` (smallest unit id of its component) for every unit on a pair.

    ``pairs`` holds undirected edges in columns ``left`` and ``right`` (any order,
    duplicates and self-pairs allowed); a LazyFrame over Parquet shards is read once
    into the edge list, then only the ``(unit, component)`` table is iterated. Rows are
    sorted by unit.
    """
    frame = pairs.lazy().select(pl.col(left).cast(pl.Int64).alias("a"), pl.col(right).cast(pl.Int64).alias("b"))
    # Both directions, so a join on one column reaches every neighbour.
    edges = pl.concat([frame, frame.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).unique().collect()
    if edges.is_empty():
        return pl.DataFrame(schema=_LABELS)
    labels = (
        edges.group_by("a").agg(pl.col("b").min())
        .select(pl.col("a").alias("unit"), pl.min_horizontal("a", "b").alias("component"))
    )
    for _ in range(MAX_ROUNDS):
        updated = _round(edges, labels)
        changed = updated.join(labels, on="unit", suffix="_old").filter(pl.col("component") != pl.col("component_old")).height
        labels = updated
        if not changed:
            return labels.sort("unit")
    raise RuntimeError(f"component labelling did not converge in {MAX_ROUNDS} rounds; this is a bug, please report it")


def _round(edges: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """One propagation step (smallest label among the neighbours) and one pointer jump."""
    neighbour_min = (
        edges.join(labels, left_on="b", right_on="unit")
        .group_by("a").agg(pl.col("component").min().alias("neighbour"))
    )
    propagated = labels.join(neighbour_min, left_on="unit", right_on="a", how="left").select(
        "unit", pl.min_horizontal("component", "neighbour").alias("component")
    )
    jumped = propagated.join(
        propagated.select(pl.col("unit").alias("component"), pl.col("component").alias("root")), on="component", how="left"
    )
    return jumped.select("unit", pl.min_horizontal("component", "root").alias("component"))


def components_as_dict(labels: pl.DataFrame) -> dict[int, int]:
    """The labels as :func:`provenance.pipeline.cluster.connected_components` returns them."""
    return dict(zip(labels["unit"].to_list(), labels["component"].to_list(), strict=True))
