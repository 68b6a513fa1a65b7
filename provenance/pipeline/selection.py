"""Choosing a copy article's reused regions among its candidates (one per copy span and
source): the earliest source first, regions never overlapping, chosen per paragraph.

Split from :mod:`provenance.pipeline.cluster`, which makes the candidates. A copy's
regions on one paragraph never depend on its other paragraphs: ``taken`` ranges are per
unit, which is what lets a refresh redo single paragraphs.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from provenance.config import Config
from provenance.pipeline.anchors import TokenStream
from provenance.pipeline.verify import realign

__all__ = ["Candidate", "Order", "SpanCandidates", "select_regions"]


@dataclass(slots=True)
class Candidate:
    """A copy span aligned with one source's spans, measured and ranked."""

    cluster: int
    certain: bool
    origin_doc: int
    copy_doc: int
    origin_unit: int
    copy_unit: int
    origin_words: tuple[int, int]
    copy_words: tuple[int, int]
    similarity: float
    shared: int
    jaccard: float
    containment: float
    matched: int
    rank: tuple
    trimmed: bool = False


#: A source's precedence: its rank (:func:`~provenance.pipeline.cluster.doc_ranks`), lower first.
Order = int


@dataclass(frozen=True, slots=True)
class SpanCandidates:
    """One copy span's candidates before alignment, one per source: ``keys`` are their
    ``(order, position)``, sorted (the source's order ranks a candidate first, its position
    among the span's candidates breaks ties), and ``align(position)`` aligns one (``None``:
    no candidate after all). The span's words bound every aligned region.

    A span is one entry however many sources it has: a wire line's span matched hundreds
    of earlier articles, and once the first one takes it the others are never made."""

    copy_doc: int
    copy_unit: int
    copy_words: tuple[int, int]
    keys: list[tuple[Order, int]]
    align: Callable[[int], Candidate | None]


def select_regions(spans: list[SpanCandidates], streams: Mapping[int, TokenStream], config: Config) -> list[Candidate]:
    """Per copy article, non-overlapping copy regions, the earliest source first (then most
    matched words): a region keeps its first origin. A candidate overlapping what is
    taken is cut to its longest free stretch and aligned again, so the words a later
    article added to an earlier one's passage (and another article copied) keep theirs.

    Candidates are taken in source order, then in the order of ``spans`` and of their
    positions, and aligned a source order at a time; once every word of a span is taken
    its remaining candidates are dropped unaligned (ranges only grow, so they would be
    dropped whatever their alignment): a line reprinted by hundreds of earlier articles
    is aligned against the first, not all.
    """
    by_copy: dict[int, list[int]] = defaultdict(list)
    for i, span in enumerate(spans):
        if span.keys:
            by_copy[span.copy_doc].append(i)
    chosen: list[Candidate] = []
    for copy_doc in sorted(by_copy):
        taken = _Taken()
        # Each span's next candidate waits in a heap keyed as a stable sort of all of them
        # by order would place it: (order, span, position).
        heap = [(spans[i].keys[0][0], i, spans[i].keys[0][1], 0) for i in by_copy[copy_doc]]
        heapq.heapify(heap)
        made: list[Candidate] = []
        current = None
        while heap:
            order, i, position, at = heapq.heappop(heap)
            if order != current:
                _keep(made, taken, chosen, streams, config)
                made, current = [], order
            span = spans[i]
            if taken.covers(span.copy_unit, span.copy_words):
                continue  # and so are its later candidates'
            if (candidate := span.align(position)) is not None:
                made.append(candidate)
            if at + 1 < len(span.keys):
                following, position = span.keys[at + 1]
                heapq.heappush(heap, (following, i, position, at + 1))
        _keep(made, taken, chosen, streams, config)
    return chosen


def _keep(made: list[Candidate], taken: _Taken, chosen: list[Candidate], streams: Mapping[int, TokenStream],
          config: Config) -> None:
    """Take the candidates of one source order, best first; one overlapping what is taken
    keeps its longest free stretch, aligned again, if that is long enough."""
    for candidate in sorted(made, key=lambda c: c.rank):
        unit, (first, last) = candidate.copy_unit, candidate.copy_words
        ranges = taken.ranges[unit]
        if any(first < t_last and t_first < last for t_first, t_last in ranges):
            free = _longest_free((first, last), ranges)
            if free[1] - free[0] < config.segment.min_words:
                continue
            trimmed = _realign(candidate, free, streams, config)
            if trimmed is None:
                continue
            candidate = trimmed
        ranges.append(candidate.copy_words)
        chosen.append(candidate)


class _Taken:
    """One copy article's taken word ranges per unit, and whether a span is all taken.

    A span matched by hundreds of earlier articles is asked about once per source; the
    ranges only grow, so an answer holds until its unit takes another (``_asked`` keeps
    how many ranges the unit had when asked)."""

    __slots__ = ("_asked", "ranges")

    def __init__(self) -> None:
        self.ranges: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self._asked: dict[tuple[int, tuple[int, int]], tuple[int, bool]] = {}

    def covers(self, unit: int, words: tuple[int, int]) -> bool:
        ranges = self.ranges[unit]
        if not ranges:
            return False
        known = self._asked.get((unit, words))
        if known is None or known[0] != len(ranges):
            known = self._asked[(unit, words)] = (len(ranges), _covered(words, ranges))
        return known[1]


def _covered(words: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    """Whether every word of ``words`` is in a taken range."""
    free = _longest_free(words, taken)
    return bool(taken) and free[1] == free[0]


def _longest_free(words: tuple[int, int], taken: list[tuple[int, int]]) -> tuple[int, int]:
    """The longest part of ``words`` outside every taken range."""
    best, cursor = (words[0], words[0]), words[0]
    for t_first, t_last in sorted(taken) + [(words[1], words[1])]:
        stop = min(t_first, words[1])
        if stop - cursor > best[1] - best[0]:
            best = (cursor, stop)
        cursor = max(cursor, t_last)
    return best


def _realign(candidate: Candidate, copy_words: tuple[int, int], streams: Mapping[int, TokenStream],
             config: Config) -> Candidate | None:
    found = realign(streams[candidate.origin_unit], candidate.origin_words, streams[candidate.copy_unit], copy_words, config,
                    required=True)
    if found is None:
        return None
    origin_words, copy_words, matched, similarity, shared, jaccard, containment = found
    return dataclasses.replace(candidate, origin_words=origin_words, copy_words=copy_words, similarity=similarity,
                               shared=shared, jaccard=jaccard, containment=containment, matched=matched, trimmed=True)
