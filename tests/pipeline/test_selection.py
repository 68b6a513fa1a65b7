"""Choosing regions: the earliest source first, never overlapping, per paragraph."""

from __future__ import annotations

from provenance.config import Config
from provenance.pipeline.selection import Candidate, Pending, select_regions


def _candidate(order: int, unit: int, words: tuple[int, int]) -> Candidate:
    return Candidate(1, True, order, 99, 1000 + order, unit, words, words, 1.0, words[1] - words[0], 1.0, 1.0,
                     words[1] - words[0], ((False, order, ""), -(words[1] - words[0])))


def _pending(order: int, unit: int, words: tuple[int, int], aligned: list[int]) -> Pending:
    def align() -> Candidate:
        aligned.append(order)
        return _candidate(order, unit, words)
    return Pending((False, order, ""), 99, unit, words, align)


def test_a_span_taken_by_an_earlier_source_is_never_aligned_again():
    aligned: list[int] = []
    pending = [_pending(order, 7, (0, 30), aligned) for order in (5, 3, 9, 4)]
    chosen = select_regions(pending, {}, Config())
    assert [c.origin_doc for c in chosen] == [3]
    assert aligned == [3]  # the span was all taken after the first source: the others cost nothing


def test_paragraphs_are_chosen_independently():
    aligned: list[int] = []
    pending = [_pending(1, 7, (0, 30), aligned), _pending(2, 7, (0, 30), aligned), _pending(2, 8, (0, 30), aligned)]
    chosen = select_regions(pending, {}, Config())
    assert sorted((c.copy_unit, c.origin_doc) for c in chosen) == [(7, 1), (8, 2)]
    assert aligned == [1, 2]  # unit 8's span was free when its source came: aligned once
