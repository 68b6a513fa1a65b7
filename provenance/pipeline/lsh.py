"""LSH banding: bands/rows as datasketch derives them, band keys and candidate pairs.

Band keys are 64-bit hashes of each band's rows, computed for all units at once; the
candidate search groups ``(band, key)`` columns with polars instead of keeping a dict of
Python sets per band. Buckets larger than ``max_bucket`` (boilerplate, syndicated copy)
pair each member only with its ``max_bucket`` neighbours in content-hash order, which
keeps the bucket connected without quadratic work and without depending on scan order.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from provenance.config import LSHConfig

__all__ = ["band_keys", "candidate_pairs", "lsh_params"]

_PRIME = np.uint64(0x100000001B3)


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5) -> tuple[int, int]:
    """``(num_bands, rows_per_band)`` minimising weighted FP+FN error, as datasketch does."""
    from datasketch.lsh import _optimal_param  # same optimiser, so the same (b, r)

    num_bands, rows_per_band = _optimal_param(threshold, num_perm, false_positive_weight, false_negative_weight)
    return int(num_bands), int(rows_per_band)


def _fmix64(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def band_keys(signatures: np.ndarray, num_bands: int, rows_per_band: int) -> np.ndarray:
    """``(units, num_bands)`` int64 keys; equal keys mean equal band rows (up to 2**-64)."""
    count = signatures.shape[0]
    keys = np.empty((count, num_bands), dtype=np.uint64)
    wide = signatures.astype(np.uint64)
    for band in range(num_bands):
        key = np.full(count, np.uint64(band + 1) * _PRIME, dtype=np.uint64)
        for row in range(band * rows_per_band, (band + 1) * rows_per_band):
            key = _fmix64(key * _PRIME + wide[:, row])
        keys[:, band] = key
    return keys.view(np.int64)


def candidate_pairs(buckets: pl.DataFrame, config: LSHConfig, new_units: pl.Series | None = None) -> pl.DataFrame:
    """Unit pairs sharing a bucket, from columns ``band, key, unit, doc, order``.

    ``order`` is a content hash giving a scan-order-independent position inside large
    buckets. Pairs within one document are dropped. With ``new_units``, only pairs that
    involve at least one of them are returned (incremental scans). Result: ``a < b``.
    """
    grouped = (
        buckets.sort(["band", "key", "order", "unit"])
        .with_columns(
            pl.len().over(["band", "key"]).alias("size"),
            pl.int_range(pl.len()).over(["band", "key"]).alias("rank"),
        )
        .filter(pl.col("size") > 1)
    )
    if grouped.is_empty():
        return pl.DataFrame({"a": [], "b": []}, schema={"a": pl.Int64, "b": pl.Int64})
    limit = config.max_bucket
    members = grouped.select("band", "key", "unit", "doc", "rank", "size")
    small = members.filter(pl.col("size") <= limit + 1)
    frames = [
        small.join(small, on=["band", "key"], suffix="_r").filter(pl.col("rank") < pl.col("rank_r"))
    ]
    big = members.filter(pl.col("size") > limit + 1)
    for distance in range(1, limit + 1) if not big.is_empty() else ():
        shifted = big.with_columns(
            pl.col(name).shift(-distance).over(["band", "key"]).alias(f"{name}_r") for name in ("unit", "doc")
        ).filter(pl.col("unit_r").is_not_null())
        frames.append(shifted)
    pairs = pl.concat([frame.select("unit", "doc", "unit_r", "doc_r") for frame in frames])
    pairs = pairs.filter(pl.col("doc") != pl.col("doc_r"))
    pairs = pairs.select(
        pl.min_horizontal("unit", "unit_r").alias("a"), pl.max_horizontal("unit", "unit_r").alias("b")
    ).unique()
    if new_units is not None:
        pairs = pairs.filter(pl.col("a").is_in(new_units.implode()) | pl.col("b").is_in(new_units.implode()))
    return pairs.sort(["a", "b"])
