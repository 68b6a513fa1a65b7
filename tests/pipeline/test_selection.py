"""Choosing regions: the earliest source first, never overlapping, per paragraph."""

from __future__ import annotations

from provenance.config import Config
from provenance.pipeline.selection import Candidate, SpanCandidates, select_regions


def _candidate(order: int, unit: int, words: tuple[int, int]) -> Candidate:
    return Candidate(1, True, order, 99, 1000 + order, unit, words, words, 1.0, words[1] - words[0], 1.0, 1.0,
                     words[1] - words[0], ((False, order, ""), -(words[1] - words[0])))


def _span(unit: int, words: tuple[int, int], orders: list[int], aligned: list[int],
          missing: frozenset[int] = frozenset()) -> SpanCandidates:
    """A copy span with one candidate per source order; those in ``missing`` align to nothing."""
    def align(position: int) -> Candidate | None:
        aligned.append(orders[position])
        return None if orders[position] in missing else _candidate(orders[position], unit, words)
    keys = sorted((order, position) for position, order in enumerate(orders))
    return SpanCandidates(99, unit, words, keys, align)


def test_a_span_taken_by_an_earlier_source_is_never_aligned_again():
    aligned: list[int] = []
    chosen = select_regions([_span(7, (0, 30), [5, 3, 9, 4], aligned)], {}, Config())
    assert [c.origin_doc for c in chosen] == [3]
    assert aligned == [3]  # the span was all taken after the first source: the others cost nothing


def test_a_source_that_aligns_nothing_leaves_the_span_to_the_next():
    aligned: list[int] = []
    chosen = select_regions([_span(7, (0, 30), [5, 3, 9, 4], aligned, missing=frozenset({3}))], {}, Config())
    assert [c.origin_doc for c in chosen] == [4]
    assert aligned == [3, 4]


def test_paragraphs_are_chosen_independently():
    aligned: list[int] = []
    spans = [_span(7, (0, 30), [1, 2], aligned), _span(8, (0, 30), [2], aligned)]
    chosen = select_regions(spans, {}, Config())
    assert sorted((c.copy_unit, c.origin_doc) for c in chosen) == [(7, 1), (8, 2)]
    assert aligned == [1, 2]  # unit 8's span was free when its source came: aligned once


def test_a_span_without_candidates_gives_nothing():
    assert select_regions([SpanCandidates(99, 7, (0, 30), [], lambda position: None)], {}, Config()) == []
