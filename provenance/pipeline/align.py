"""Word-level local alignment of two passages: seed on shared shingles, chain, score.

Verification used to compare whole units by Jaccard, which rejects what sub-editors do
most: abridging (clauses dropped), trimming quotes, keeping the start and rewriting the
end. Here, as in passim and BLAST-style aligners, the evidence is *where* two passages
share text:

1. **Seeds**: positions ``(i, j)`` where the word n-gram starting at word ``i`` of one
   side equals the one starting at word ``j`` of the other (bigrams by default,
   ``align.seed_size``: a trimmed quotation keeps fragments of two or three words). Consecutive seeds on
   one diagonal merge into a *run* of equal words.
2. **Chaining** (a local alignment over runs, affine gaps): a run scores
   ``match`` per word; moving from one run to a later one costs ``mismatch`` per word
   substituted (both sides skip the same number of words) plus ``gap_open`` +
   ``gap_extend`` per word for the rest (words dropped on one side). The best-scoring
   chain is the aligned region; its first and last runs are matched words, so a region
   never starts or ends with unaligned words. Further regions are taken from the runs
   left over (a copy paragraph merged from two origin sentences far apart).
3. **Acceptance** (:func:`accept`): enough matched words (``--min-words``), and either
   one long verbatim run or clearly more matched words than that, enough of the shorter
   aligned side matched, no gap longer than allowed.

Everything is integer arithmetic over word positions; offsets are attached by callers.
Runs, chaining, acceptance and the region loop are the native core's
(``native/src/align.rs``); :func:`align_many` aligns a batch of pairs on rayon threads
without the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from provenance._native import accept as _native_accept
from provenance._native import align_many as _native_align_many
from provenance._native import best_chain as _native_best_chain
from provenance._native import best_chain_region as _native_best_chain_region
from provenance._native import runs_of as _native_runs_of
from provenance.config import AlignConfig

__all__ = ["Region", "Run", "accept", "acceptance_args", "align", "align_many", "best_chain_region", "explain", "runs_of",
           "scoring_args"]

Run = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Region:
    """An aligned region: words ``[a_start, a_end)`` of side A and ``[b_start, b_end)`` of
    side B, with ``runs`` the equal-word runs ``(a, b, length)`` in order."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int
    score: float
    runs: tuple[tuple[int, int, int], ...]

    @property
    def longest_gap(self) -> int:
        """Most words skipped on either side between two consecutive runs."""
        gap = 0
        for (a0, b0, n0), (a1, b1, _) in zip(self.runs, self.runs[1:], strict=False):
            gap = max(gap, a1 - a0 - n0, b1 - b0 - n0)
        return gap


def scoring_args(config: AlignConfig) -> tuple[float, float, float, float, int]:
    """``(match, mismatch, gap_open, gap_extend, max_gap)``: the scoring as the native
    kernels take it."""
    return float(config.match), float(config.mismatch), float(config.gap_open), float(config.gap_extend), int(config.max_gap)


def acceptance_args(config: AlignConfig, min_words: int,
                    min_coverage: float) -> tuple[int, int, int, int, float]:
    """``(long_run, min_scattered, max_gap, min_words, min_coverage)``: the acceptance
    rule as the native kernels take it."""
    return int(config.long_run), int(config.min_scattered), int(config.max_gap), int(min_words), float(min_coverage)


def _stream(shingles: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(shingles, dtype=np.uint32)


def _region(score: float, runs: tuple[Run, ...]) -> Region:
    return Region(runs[0][0], runs[-1][0] + runs[-1][2], runs[0][1], runs[-1][1] + runs[-1][2],
                  sum(n for _, _, n in runs), score, runs)


def runs_of(a_shingles: np.ndarray, b_shingles: np.ndarray, size: int) -> list[Run]:
    """Maximal runs ``(a, b, words)`` of equal words implied by equal shingles, sorted.

    ``*_shingles[i]`` is the hash of words ``i .. i + size - 1`` in order. A run of ``k``
    consecutive equal shingles on one diagonal covers ``k + size - 1`` equal words. A
    shingle of A is paired with its first 32 occurrences in B (a repeated n-gram).
    """
    runs = _native_runs_of(_stream(a_shingles), _stream(b_shingles), size)
    return [(a, b, n) for a, b, n in runs.tolist()]


def _best_chain(runs: list[Run], config: AlignConfig) -> tuple[float, list[Run]]:
    """The best-scoring chain of sorted non-empty ``runs`` and its score (see the module
    doc); each run after the first is trimmed by its overlap with the previous one."""
    array = np.ascontiguousarray(np.asarray(runs, dtype=np.int64).reshape(-1, 3))
    score, chain = _native_best_chain(array, scoring_args(config))
    return score, [(a, b, n) for a, b, n in chain.tolist()]


def align_many(streams: Sequence[np.ndarray], pairs: Sequence[tuple[int, int]] | np.ndarray, size: int,
               config: AlignConfig, min_words: int, min_coverage: float, max_regions: int = 4) -> list[list[Region]]:
    """:func:`align` of every pair ``(i, j)`` of ``streams[i]`` and ``streams[j]``
    (shingle streams), in one call on all cores: result ``k`` is pair ``k``'s regions.

    >>> streams = [np.arange(40, dtype=np.uint32), np.arange(10, 50, dtype=np.uint32)]
    >>> [[(r.a_start, r.b_start, r.matched) for r in regions]
    ...  for regions in align_many(streams, [(0, 1)], 3, AlignConfig(), 6, 0.5)]
    [[(10, 0, 32)]]
    """
    arrays = [_stream(stream) for stream in streams]
    bounds = np.zeros(len(arrays) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum(np.fromiter((len(array) for array in arrays), dtype=np.int64, count=len(arrays)))
    shingles = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint32)
    pair_array = np.ascontiguousarray(np.asarray(pairs, dtype=np.int64).reshape(-1, 2))
    owners, scores, runs, run_bounds = _native_align_many(
        shingles, bounds, pair_array, size, scoring_args(config), acceptance_args(config, min_words, min_coverage),
        max_regions)
    found: list[list[Region]] = [[] for _ in range(len(pair_array))]
    rows = [(a, b, n) for a, b, n in runs.tolist()]
    edges = run_bounds.tolist()
    for index, (owner, score) in enumerate(zip(owners.tolist(), scores.tolist(), strict=True)):
        found[owner].append(_region(score, tuple(rows[edges[index] : edges[index + 1]])))
    return found


def align(a_shingles: np.ndarray, b_shingles: np.ndarray, size: int, config: AlignConfig, min_words: int,
          min_coverage: float, max_regions: int = 4) -> list[Region]:
    """Aligned regions of two passages, best first, that pass :func:`accept`.

    Regions do not overlap on either side: each next one is chained from the runs lying
    outside the earlier ones. At most the 400 longest runs are chained (ties to the
    earlier). Deterministic: ties go to the earlier run.
    """
    return align_many([a_shingles, b_shingles], [(0, 1)], size, config, min_words, min_coverage, max_regions)[0]


def best_chain_region(a_shingles: np.ndarray, a_words: tuple[int, int], b_shingles: np.ndarray,
                      b_words: tuple[int, int], size: int, config: AlignConfig) -> Region | None:
    """The best-scoring chain inside word ranges ``a_words`` and ``b_words``, accepted or
    not (``None`` when they share no shingle): how a finding's two spans align."""
    a0, b0 = a_words[0], b_words[0]
    a_part = a_shingles[a0 : max(a0 + 1, a_words[1] - size + 1)]
    b_part = b_shingles[b0 : max(b0 + 1, b_words[1] - size + 1)]
    found = _native_best_chain_region(_stream(a_part), _stream(b_part), size, scoring_args(config))
    if found is None:
        return None
    score, chain = found
    return _region(score, tuple((a + a0, b + b0, n) for a, b, n in chain.tolist()))


def accept(region: Region, config: AlignConfig, min_words: int, min_coverage: float) -> bool:
    """The documented acceptance rule of a region (see README, "What counts as reuse"):
    ``matched >= min_words``; a run of ``long_run`` words or ``min_scattered`` matched;
    ``matched >= min_coverage *`` the shorter side; :attr:`Region.longest_gap` at most
    ``max_gap``."""
    runs = np.ascontiguousarray(np.asarray(region.runs, dtype=np.int64).reshape(-1, 3))
    span = (region.a_start, region.a_end, region.b_start, region.b_end, region.matched)
    return bool(_native_accept(runs, span, acceptance_args(config, min_words, min_coverage)))


def explain(region: Region) -> list[tuple[str, int, int, int, int]]:
    """The region as operations ``(op, a_start, a_end, b_start, b_end)`` over word
    positions: ``equal`` runs, and between them ``replace`` (both sides skip words),
    ``delete`` (only A's words skipped: dropped by the copy) or ``insert`` (only B's)."""
    ops: list[tuple[str, int, int, int, int]] = []
    previous: tuple[int, int, int] | None = None
    for a, b, n in region.runs:
        if previous is not None:
            pa, pb = previous[0] + previous[2], previous[1] + previous[2]
            if a > pa and b > pb:
                ops.append(("replace", pa, a, pb, b))
            elif a > pa:
                ops.append(("delete", pa, a, pb, pb))
            elif b > pb:
                ops.append(("insert", pa, pa, pb, b))
        ops.append(("equal", a, a + n, b, b + n))
        previous = (a, b, n)
    return ops
