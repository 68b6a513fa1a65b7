"""Choosing a copy article's reused regions among its candidates (one per copy span and
source): the earliest source first, regions never overlapping, chosen per paragraph.

Split from :mod:`provenance.pipeline.cluster`, which makes the candidates. A copy's
regions on one paragraph never depend on its other paragraphs: ``taken`` ranges are per
unit, which is what lets a refresh redo single paragraphs.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from provenance.config import Config
from provenance.pipeline.align import accept, best_chain_region
from provenance.pipeline.anchors import TokenStream
from provenance.pipeline.verify import measure

__all__ = ["Candidate", "Pending", "select_regions"]


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


@dataclass(frozen=True, slots=True)
class Pending:
    """A candidate before its alignment: its source's order (what ranks it first), the copy
    span's unit and words (its aligned region lies inside them), and how to align it."""

    order: tuple[bool, int, str]
    copy_doc: int
    copy_unit: int
    copy_words: tuple[int, int]
    align: Callable[[], Candidate | None]


def select_regions(pending: list[Pending], streams: Mapping[int, TokenStream], config: Config) -> list[Candidate]:
    """Per copy article, non-overlapping copy regions, the earliest source first (then most
    matched words): a region keeps its first origin. A candidate overlapping what is
    taken is cut to its longest free stretch and aligned again, so the words a later
    article added to an earlier one's passage (and another article copied) keep theirs.

    Candidates are aligned a source order at a time, and not at all once every word of
    their copy span is taken (they would be dropped whatever their alignment): a line
    reprinted by hundreds of earlier articles is aligned against the first, not all.
    """
    by_copy: dict[int, list[Pending]] = defaultdict(list)
    for item in pending:
        by_copy[item.copy_doc].append(item)
    chosen: list[Candidate] = []
    for copy_doc in sorted(by_copy):
        taken = _Taken()
        # One source order at a time: its candidates are all aligned (those whose span is
        # not all taken) before any is kept. Most orders align nothing (a span matched by
        # hundreds of earlier articles is taken by the first), so they cost a check each.
        made: list[Candidate] = []
        current = None
        for item in sorted(by_copy[copy_doc], key=lambda item: item.order):
            if item.order != current:
                _keep(made, taken, chosen, streams, config)
                made, current = [], item.order
            if not taken.covers(item.copy_unit, item.copy_words) and (candidate := item.align()) is not None:
                made.append(candidate)
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
    origin_stream, copy_stream = streams[candidate.origin_unit], streams[candidate.copy_unit]
    seed = config.align.seed_size
    region = best_chain_region(origin_stream.seeds(seed), candidate.origin_words, copy_stream.seeds(seed), copy_words,
                               seed, config.align)
    if region is None or not accept(region, config.align, config.segment.min_words, config.verify.min_similarity):
        return None
    origin_words = (region.a_start, min(region.a_end, len(origin_stream)))
    copy_words = (region.b_start, min(region.b_end, len(copy_stream)))
    similarity, shared, jaccard, containment = measure(origin_stream, origin_words, copy_stream, copy_words,
                                                       region.matched, config.shingle.size)
    return dataclasses.replace(candidate, origin_words=origin_words, copy_words=copy_words, similarity=similarity,
                               shared=shared, jaccard=jaccard, containment=containment, matched=region.matched,
                               trimmed=True)
