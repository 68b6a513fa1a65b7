"""The stock-phrase rule: what is left of a short finding outside widely used phrases
must itself reach --min-words."""

from __future__ import annotations

from provenance.config import Config
from provenance.pipeline.phrases import novel_words, stock_windows

FORMULA = "is due to be sentenced at a later date"
OTHER = "did not immediately respond to a request for comment"


def _counts(*phrases: str, holders: int = 8) -> dict[int, int]:
    """Anchor counts of an index where ``holders`` paragraphs hold each phrase."""
    config = Config()
    counts: dict[int, int] = {}
    for phrase in phrases:
        for anchors in stock_windows(phrase, 0, len(phrase), config).anchors:
            counts.update((int(value), holders) for value in anchors)
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
