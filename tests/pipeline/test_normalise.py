from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.pipeline.normalise import normalise_text, normalise_word, tokenise

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
MESSY = st.lists(
    st.sampled_from(["Russiaâ€™s", "ðŸ‡·ðŸ‡º", "\u00a0", "“quoted”", "e\u0301", "ﬁne", "\r\n", "\n", "\u200f", "½", "Ünïcode", "U.S.", "word", " ", "\x00", "—"]),
    max_size=40,
).map("".join)


@given(st.one_of(TEXT, MESSY))
@settings(max_examples=300, deadline=None)
def test_normalisation_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@given(st.one_of(TEXT, MESSY))
@settings(max_examples=300, deadline=None)
def test_token_offsets_slice_the_original_text(text):
    for token in tokenise(text):
        assert 0 <= token.start < token.end <= len(text)
        assert text[token.start : token.end].strip() != ""


def test_mojibake_quotes_case_and_spacing_compare_equal():
    assert normalise_text("Russiaâ€™s  “BIG”\u00a0day.") == normalise_text("russia's \"big\" day")


def test_mojibake_token_maps_back_to_the_mojibake_bytes():
    text = "Then Russiaâ€™s envoy"
    token = next(t for t in tokenise(text) if t.text == "russias")
    assert text[token.start : token.end] == "Russiaâ€™s"


def test_compatibility_forms_fold():
    assert normalise_word("ﬁne") == ["fine"]
    assert normalise_word("e\u0301") == ["é"]
    assert normalise_word("½") == ["1", "2"]


def test_a_word_folding_into_parts_gives_each_part_its_offsets():
    # "½" folds to "1⁄2" (two words), "__" to nothing: offsets still follow their words.
    text = "Sat½ __ ﬀ"
    assert [(t.text, t.start, t.end) for t in tokenise(text)] == [("sat1", 0, 4), ("2", 0, 4), ("ff", 8, 9)]


def test_slices_and_lone_surrogates_keep_str_offsets():
    text = "Zürich \ud800said Ünïcode"
    assert [(t.text, text[t.start : t.end]) for t in tokenise(text, 1)] == [
        ("ürich", "ürich"), ("said", "said"), ("ünïcode", "Ünïcode")]
    assert [t.text for t in tokenise(text, 0, 6)] == ["zürich"]


def test_case_folding_is_full():
    assert normalise_word("STRASSE") == normalise_word("Straße") == ["strasse"]
    assert normalise_word("ΣΊΣΥΦΟΣ") == normalise_word("σίσυφος")


@given(st.one_of(TEXT, MESSY))
@settings(max_examples=200, deadline=None)
def test_a_slice_tokenises_like_the_same_text_cut_out(text):
    start, end = len(text) // 3, 2 * len(text) // 3
    inside = [(t.text, t.start - start, t.end - start) for t in tokenise(text, start, end)]
    assert inside == [(t.text, t.start, t.end) for t in tokenise(text[start:end])]
