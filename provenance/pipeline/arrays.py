"""Array helpers shared by the stages."""

from __future__ import annotations

import numpy as np

from provenance._native import locality_order as _native_locality_order

__all__ = ["in_sorted", "last_per_key", "locality_order", "unique_inverse", "unique_sorted"]


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of ``values`` (flattened), sorted: ``np.unique`` by sorting.
    numpy 2.4's ``np.unique`` hashes instead, 10-50x slower on integers (measured here:
    1,200 values 1.1 ms against 0.03 ms, 2 M values 2.5 s against 0.05 s), and the
    refresh and verification call it on every chunk, cluster and short finding."""
    ordered = np.sort(np.asarray(values).ravel())
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of a 1-d array, by one stable sort."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, dtype=bool)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def in_sorted(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``np.isin(values, wanted)`` for ``wanted`` sorted and unique, by binary search
    (``np.isin`` makes both unique by hashing first)."""
    if not len(wanted):
        return np.zeros(np.shape(values), dtype=bool)
    at = np.minimum(np.searchsorted(wanted, values), len(wanted) - 1)
    return np.asarray(wanted[at] == values)


def last_per_key(keys: np.ndarray, units: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """The last ``keep`` entries of each key of ``(keys, units)``, entries sorted by key
    (the order within a key is kept: units ascending, the last are the newest)."""
    if len(keys) <= keep:
        return keys, units
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    ends = np.append(starts[1:], len(keys))
    kept = np.repeat(ends, ends - starts) - np.arange(len(keys)) <= keep
    return keys[kept], units[kept]


def locality_order(pairs: np.ndarray) -> np.ndarray:
    """An order of the rows of ``pairs`` (``(n, 2)`` ids) that brings rows sharing ids
    together, so that consecutive chunks of it hold few distinct ids (native: ids
    numbered in Cuthill-McKee order over the graph the pairs make, rows sorted by the
    higher number of their two ids).

    Verification reads and decodes the token streams of each chunk's distinct units: in
    id order, the 100k benchmark's 6.8 M candidate paragraph pairs read 3.8 M streams in
    chunks of 65k pairs, in this order 1.4 M (of 730k distinct).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return _native_locality_order(np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1]))
