"""LSH banding: bands/rows as datasketch derives them, band keys and candidate pairs.

Band keys are 64-bit hashes of each band's rows, computed for a whole batch of units at
once by the native core. The candidate search works on ``(band, key)`` columns with
polars instead of a dict of Python sets per band.

Which members of a bucket are paired is decided by each member's *position* in the
bucket (arrival order, i.e. unit id), so an incremental scan proposes exactly the pairs
a full scan of the same sequence would, and only a bounded tail of each stored bucket
is ever read:

* the first ``max_bucket + 1`` members of a bucket pair with every member before them
  (a bucket that never grows past that is all pairs, as in datasketch);
* a later member looks only at the ``max_bucket`` members before it (its *window*). If
  the window holds an exact copy of it (equal content key) from another document, it is
  paired with the nearest such copy only; otherwise with the whole window (members of
  its own document excluded).

Boilerplate and syndicated copy make buckets of thousands of identical units; the rule
chains them (one pair per copy) instead of doing quadratic or ``max_bucket``-fold work,
and every member still joins the bucket's component.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from provenance._native import band_keys as _native_band_keys
from provenance.config import LSHConfig, lsh_params

__all__ = ["MEMBER_SCHEMA", "band_keys", "candidate_pairs", "lsh_params"]

#: Columns of the bucket-member frames :func:`candidate_pairs` takes.
MEMBER_SCHEMA = {"band": pl.Int64, "key": pl.Int64, "unit": pl.Int64, "doc": pl.Int64, "content": pl.Int64}
_PAIR_SCHEMA = {"a": pl.Int64, "b": pl.Int64}


def band_keys(signatures: np.ndarray, num_bands: int, rows_per_band: int) -> np.ndarray:
    """``(units, num_bands)`` int64 keys; equal keys mean equal band rows (up to 2**-64).

    Band ``i`` hashes rows ``i * rows_per_band ...`` in order: ``key = fmix64(key * P + row)``
    starting from ``(i + 1) * P`` (all mod 2**64, ``P = 0x100000001B3``; the key's 64 bits
    read as signed). Stored indexes hold these keys: the function never changes. Computed
    by the native core (``native/src/lsh.rs``) for the whole batch.
    """
    return _native_band_keys(np.ascontiguousarray(signatures, dtype=np.uint32), num_bands, rows_per_band)


def candidate_pairs(members: pl.DataFrame, config: LSHConfig, first_new: int) -> pl.DataFrame:
    """Pairs ``(a < b)`` to verify, each involving a unit with id ``>= first_new``.

    ``members`` (columns :data:`MEMBER_SCHEMA`) holds the new units' band keys plus, for
    each bucket they fall in, the last ``max_bucket + 1`` stored members (fewer when the
    bucket is smaller): that is all the rule in the module docstring needs. Pairs inside
    one document are dropped.
    """
    limit = config.max_bucket
    ranked = (
        members.unique(["band", "key", "unit"])
        .filter(pl.len().over(["band", "key"]) > 1)
        .sort(["band", "key", "unit"])
        .with_columns(pl.int_range(pl.len()).over(["band", "key"]).alias("pos"))
    )
    if ranked.filter(pl.col("unit") >= first_new).is_empty():
        return pl.DataFrame(schema=_PAIR_SCHEMA)
    # A document's units have consecutive ids, so within a bucket its copies of one text
    # are adjacent: the nearest copy from another document ends the previous run.
    # Group starts get a sentinel so one global forward fill never crosses groups (a
    # window ``over`` many tiny groups is far slower).
    copy = ["band", "key", "content"]
    ranked = ranked.sort([*copy, "pos"])
    starts = pl.any_horizontal(pl.col(name) != pl.col(name).shift(1) for name in copy).fill_null(True)
    ranked = ranked.with_columns(
        pl.when(starts).then(-1).when(pl.col("doc") != pl.col("doc").shift(1)).then(pl.col(name).shift(1))
        .forward_fill().alias(f"copy_{name}")
        for name in ("unit", "pos")
    ).with_columns(pl.col(f"copy_{name}").replace(-1, None) for name in ("unit", "pos"))
    later = ranked.filter(pl.col("unit") >= first_new)
    earlier = ranked.select("band", "key", pl.col("unit").alias("other"), pl.col("doc").alias("other_doc"),
                            pl.col("pos").alias("other_pos"))
    has_copy = (pl.col("pos") > limit) & (pl.col("pos") - pl.col("copy_pos") <= limit)
    chained = later.filter(has_copy).select("unit", pl.col("copy_unit").alias("other"))
    # The first limit + 1 members pair with all before them: join only that head.
    head = later.filter(pl.col("pos") <= limit).join(earlier.filter(pl.col("other_pos") < limit), on=["band", "key"])
    # Past the head, a member's window is the ``limit`` positions before it: join by blocks
    # of ``limit`` positions (its own and the previous block) instead of the whole bucket,
    # so a bucket of n near-copies costs O(n * limit), not O(n ** 2).
    blocked = earlier.with_columns((pl.col("other_pos") // limit).alias("block"))
    rest_members = later.filter((pl.col("pos") > limit) & ~has_copy.fill_null(False))
    rest = pl.concat([
        rest_members.with_columns((pl.col("pos") // limit - shift).alias("block")).join(blocked, on=["band", "key", "block"]).drop("block")
        for shift in (0, 1)
    ])
    windows = pl.concat([head, rest]).filter(
        (pl.col("other_pos") < pl.col("pos"))
        & (pl.col("pos") - pl.col("other_pos") <= limit)
        & (pl.col("other_doc") != pl.col("doc"))
    )
    return (
        pl.concat([chained, windows.select("unit", "other")])
        .select(pl.min_horizontal("unit", "other").alias("a"), pl.max_horizontal("unit", "other").alias("b"))
        .unique()
        .sort(["a", "b"])
    )
