"""Verify candidate pairs on their exact shingle sets, many pairs at once.

LSH only proposes; the similarity we report is the exact Jaccard of the two units'
shingle sets, so a finding never rests on an estimate.

Shingle sets travel as a :class:`ShingleTable` (one concatenated uint32 array plus
offsets, ids sorted). :func:`shared_counts` intersects thousands of pairs in one numpy
pass: both sets of every pair are gathered, tagged with the pair's number in the high
32 bits, sorted once, and each equal neighbour is one shared shingle (sets are unique,
so a value can repeat only across the two sides of its own pair).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from provenance.config import VerifyConfig

__all__ = ["ShingleTable", "Verified", "jaccard", "shared_count", "shared_counts", "verify_pairs"]

#: Shingles gathered per numpy pass; bounds the temporaries (~16 bytes each).
_CHUNK_VALUES = 1 << 22


def shared_count(left: np.ndarray, right: np.ndarray) -> int:
    """Size of the intersection of two sorted unique uint32 arrays."""
    if len(left) == 0 or len(right) == 0:
        return 0
    return int(np.intersect1d(left, right, assume_unique=True).size)


def jaccard(left: np.ndarray, right: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique arrays (0.0 when both are empty)."""
    shared = shared_count(left, right)
    union = len(left) + len(right) - shared
    return shared / union if union else 0.0


@dataclass(frozen=True, slots=True)
class ShingleTable:
    """Shingle sets of many units: ``values[offsets[i]:offsets[i + 1]]`` is unit ``ids[i]``'s.

    ``ids`` is sorted ascending so :meth:`positions` is a binary search.
    """

    ids: np.ndarray
    offsets: np.ndarray
    values: np.ndarray

    @classmethod
    def from_sets(cls, ids: Sequence[int] | np.ndarray, sets: Sequence[np.ndarray]) -> ShingleTable:
        """Build from one array per unit (any id order)."""
        id_array = np.asarray(ids, dtype=np.int64)
        order = np.argsort(id_array, kind="stable")
        lengths = np.fromiter((len(sets[i]) for i in order), dtype=np.int64, count=len(order))
        offsets = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.concatenate([np.asarray(sets[i], dtype=np.uint32) for i in order]) if len(order) else np.zeros(0, np.uint32)
        return cls(id_array[order], offsets, values)

    @staticmethod
    def concat(tables: Sequence[ShingleTable]) -> ShingleTable:
        """Tables appended in order; each table's ids must all exceed the previous one's."""
        tables = [t for t in tables if len(t.ids)]
        if not tables:
            return ShingleTable(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.uint32))
        for before, after in pairwise(tables):
            if after.ids[0] <= before.ids[-1]:
                raise ValueError("ShingleTable.concat needs tables in ascending id order; build one with from_sets instead")
        shifts = np.cumsum([0] + [len(t.values) for t in tables[:-1]])
        offsets = np.concatenate([[0]] + [t.offsets[1:] + shift for t, shift in zip(tables, shifts, strict=True)])
        return ShingleTable(np.concatenate([t.ids for t in tables]), offsets.astype(np.int64),
                            np.concatenate([t.values for t in tables]))

    def positions(self, unit_ids: np.ndarray) -> np.ndarray:
        """Row of each id; raises ``KeyError`` naming the first id that is missing."""
        found = np.searchsorted(self.ids, unit_ids)
        bad = (found >= len(self.ids)) | (self.ids[np.minimum(found, len(self.ids) - 1)] != unit_ids) if len(self.ids) else np.ones(len(unit_ids), bool)
        if bad.any():
            raise KeyError(f"no shingle set for unit {int(np.asarray(unit_ids)[bad][0])}")
        return found

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def get(self, unit_id: int) -> np.ndarray:
        row = int(self.positions(np.array([unit_id], dtype=np.int64))[0])
        return self.values[self.offsets[row] : self.offsets[row + 1]]


def _gather_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices ``starts[i] .. starts[i] + lengths[i] - 1`` for every ``i``, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return shift + np.arange(total, dtype=np.int64)


def shared_counts(table: ShingleTable, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Intersection size of the sets in rows ``left[i]`` and ``right[i]`` of ``table``."""
    lengths = table.lengths()
    out = np.zeros(len(left), dtype=np.int64)
    reach = np.cumsum(lengths[left] + lengths[right])
    start = 0
    while start < len(left):
        base = int(reach[start - 1]) if start else 0
        stop = max(int(np.searchsorted(reach, base + _CHUNK_VALUES, side="right")), start + 1)
        out[start:stop] = _shared_chunk(table, lengths, left[start:stop], right[start:stop])
        start = stop
    return out


def _shared_chunk(table: ShingleTable, lengths: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    count = len(left)
    side_starts = np.stack([table.offsets[left], table.offsets[right]], axis=1).ravel()
    side_lengths = np.stack([lengths[left], lengths[right]], axis=1).ravel()
    gathered = table.values[_gather_ranges(side_starts, side_lengths)].astype(np.uint64)
    gathered |= np.repeat(np.arange(count, dtype=np.uint64), lengths[left] + lengths[right]) << np.uint64(32)
    gathered.sort()
    repeats = gathered[1:][gathered[1:] == gathered[:-1]] >> np.uint64(32)
    return np.bincount(repeats.astype(np.int64), minlength=count)


@dataclass(frozen=True, slots=True)
class Verified:
    """Pairs that passed, as columns: unit ids ``a < b``, exact Jaccard, shared shingles."""

    a: np.ndarray
    b: np.ndarray
    similarity: np.ndarray
    shared: np.ndarray

    def rows(self) -> list[tuple[int, int, float, int]]:
        return list(zip(self.a.tolist(), self.b.tolist(), self.similarity.tolist(), self.shared.tolist(), strict=True))


def verify_pairs(a: np.ndarray, b: np.ndarray, table: ShingleTable, config: VerifyConfig) -> Verified:
    """The pairs ``(a[i], b[i])`` at or above the configured thresholds.

    Similarity is ``shared / (|A| + |B| - shared)`` in float64, the same value a scalar
    ``shared / union`` in Python gives.
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    left, right = table.positions(a), table.positions(b)
    shared = shared_counts(table, left, right)
    lengths = table.lengths()
    union = lengths[left] + lengths[right] - shared
    keep = (shared >= config.min_shared_shingles) & (union > 0)
    similarity = np.zeros(len(a), dtype=np.float64)
    similarity[keep] = shared[keep] / union[keep]
    keep &= similarity >= config.min_similarity
    return Verified(a[keep], b[keep], similarity[keep], shared[keep])
