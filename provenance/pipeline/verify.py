"""Verify candidate paragraph pairs by alignment and measure what the aligned spans share.

LSH and anchors only propose. A pair becomes a *match* only where
:func:`provenance.pipeline.align.align` finds an accepted region; a match is that
region on both sides, with exact ``str`` offsets (first word's start to last aligned
word's end: no unaligned word at either end), and its measures:

* ``matched``: words aligned as equal;
* ``similarity``: ``matched`` over the words of the longer aligned side (1.0 exactly when
  both spans are the same words; an abridged copy scores its kept share);
* ``jaccard`` and ``containment``: exact Jaccard of the two spans' shingle sets, and the
  share of the smaller set found in the other; ``shared``: shingles in common.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from provenance.config import Config
from provenance.pipeline.align import Region, align_many
from provenance.pipeline.anchors import TokenStream

__all__ = ["Match", "jaccard", "measure", "shared_count", "verify_pairs"]


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
class Match:
    """An accepted aligned region of paragraph units ``a < b`` (``str`` offsets)."""

    a: int
    b: int
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float
    shared: int
    jaccard: float
    containment: float
    matched: int

    def row(self) -> tuple[int, int, int, int, int, int, float, int, float, float, int]:
        return (self.a, self.b, self.a_start, self.a_end, self.b_start, self.b_end, self.similarity, self.shared,
                self.jaccard, self.containment, self.matched)


def _window_set(stream: TokenStream, first: int, last: int, size: int) -> set[int]:
    """Shingles of words ``[first, last)`` (one shingle if fewer than ``size``). A Python
    set: for the few dozen values of a passage it beats ``np.unique`` many times over."""
    stop = last - size + 1 if last - first >= size else first + 1
    return set(stream.shingles[first:stop].tolist())


def measure(a: TokenStream, a_words: tuple[int, int], b: TokenStream, b_words: tuple[int, int], matched: int,
            size: int) -> tuple[float, int, float, float]:
    """``(similarity, shared, jaccard, containment)`` of two word ranges (see module doc)."""
    left, right = _window_set(a, *a_words, size), _window_set(b, *b_words, size)
    shared = len(left & right)
    union = len(left) + len(right) - shared
    longer = max(a_words[1] - a_words[0], b_words[1] - b_words[0], 1)
    smaller = max(1, min(len(left), len(right)))
    return min(1.0, matched / longer), shared, (shared / union if union else 0.0), min(1.0, shared / smaller)


def _match(a_id: int, b_id: int, a: TokenStream, b: TokenStream, region: Region, size: int) -> Match:
    # A run is ``seeds + seed_size - 1`` words; a passage shorter than one seed has fewer.
    a_words = (region.a_start, min(region.a_end, len(a)))
    b_words = (region.b_start, min(region.b_end, len(b)))
    similarity, shared, jacc, containment = measure(a, a_words, b, b_words, region.matched, size)
    return Match(a_id, b_id, int(a.starts[a_words[0]]), int(a.ends[a_words[1] - 1]), int(b.starts[b_words[0]]),
                 int(b.ends[b_words[1] - 1]), similarity, shared, jacc, containment, region.matched)


def verify_pairs(pairs: Iterable[tuple[int, int]], streams: dict[int, TokenStream], config: Config) -> list[Match]:
    """Every accepted region of every pair ``(a, b)`` of paragraph units (``a < b``);
    pairs whose streams are missing (units deleted meanwhile, or written by an older
    version) give nothing."""
    size, seed = config.shingle.size, config.align.seed_size
    present = [(a, b) for a, b in pairs if a in streams and b in streams]
    ids = sorted({unit for pair in present for unit in pair})
    position = {unit: k for k, unit in enumerate(ids)}
    found = align_many([streams[unit].seeds(seed) for unit in ids], [(position[a], position[b]) for a, b in present],
                       seed, config.align, config.segment.min_words, config.verify.min_similarity)
    return [_match(a, b, streams[a], streams[b], region, size)
            for (a, b), regions in zip(present, found, strict=True) for region in regions]
