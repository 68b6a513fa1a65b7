"""The stock-phrase rule: what is left of a short finding outside widely used phrases
must itself reach --min-words."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import Config
from provenance.pipeline.anchors import winnowed_anchors
from provenance.pipeline.normalise import tokenise_columns
from provenance.pipeline.phrases import novel_words, stock_windows
from provenance.pipeline.shingle import word_hashes

FORMULA = "is due to be sentenced at a later date"
OTHER = "did not immediately respond to a request for comment"


def _counts(*phrases: str, holders: int = 8) -> dict[int, int]:
    """Anchor counts of an index where ``holders`` paragraphs hold each phrase."""
    config = Config()
    counts: dict[int, int] = {}
    for phrase in phrases:
        counts.update((int(value), holders) for value in stock_windows(phrase, 0, len(phrase), config).all_anchors())
    return counts


def _novel(text: str, matched: int, counts: dict[int, int]) -> int | None:
    config = Config()
    return novel_words(matched, stock_windows(text, 0, len(text), config), counts, config)


def test_a_formula_and_a_coincidental_next_word_leave_one_word():
    text = f"{FORMULA} pran"
    assert _novel(text, 10, _counts(FORMULA)) == 1


def test_two_formulas_bridged_by_an_alignment_leave_less_than_min_words():
    text = f"the court heard. {OTHER}"
    novel = _novel(text, 12, _counts(OTHER))
    assert novel is not None and novel < Config().segment.min_words


def test_own_words_beside_a_formula_are_counted():
    own = "the trawler skipper from the northern harbour towns"
    text = f"{own} {FORMULA}"
    # Winnowing may lend the formula's stretch the one word beside it (window of 2).
    assert len(own.split()) - 1 <= _novel(text, 17, _counts(FORMULA)) <= len(own.split())


def test_a_formula_held_by_too_few_paragraphs_is_not_stock():
    assert _novel(f"{FORMULA} pran", 10, _counts(FORMULA, holders=Config().align.stock_units - 1)) is None


def test_a_span_without_stock_stretch_is_left_alone():
    assert _novel("divers found the missing trawler upright on the seabed", 9, {}) is None


def _novel_by_definition(matched: int, text: str, counts: dict[int, int], config: Config) -> int | None:
    """The rule stretch by stretch: words covered by a stretch all of whose anchors are
    held by enough paragraphs."""
    words, _, _ = tokenise_columns(text, 0, len(text))
    hashes, size = word_hashes(words), config.align.anchor_size
    covered = np.zeros(len(words), dtype=bool)
    for first in range(len(words) - size + 1):
        for last in range(first + size, len(words) + 1):
            anchors = winnowed_anchors(hashes[first:last], size, config.align.anchor_window)
            if len(anchors) and all(counts.get(int(v), 0) >= config.align.stock_units for v in anchors):
                covered[first:last] = True
    stock = int(covered.sum())
    return max(0, matched - stock) if stock else None


_VOCABULARY = ["the", "court", "heard", "a", "request", "for", "comment", "was", "due", "pran", "to", "at"]


@settings(max_examples=60, deadline=None)
@given(words=st.lists(st.sampled_from(_VOCABULARY), max_size=24),
       held=st.lists(st.integers(0, 12), min_size=1, max_size=40), matched=st.integers(0, 30))
def test_novel_words_follow_the_rule_stretch_by_stretch(words, held, matched):
    config = Config()
    text = " ".join(words)
    windows = stock_windows(text, 0, len(text), config)
    anchors = np.unique(windows.all_anchors()).tolist()
    counts = {value: held[i % len(held)] for i, value in enumerate(anchors)}
    assert novel_words(matched, windows, counts, config) == _novel_by_definition(matched, text, counts, config)
    assert len(windows.ranges) == len(windows.bounds) - 1
