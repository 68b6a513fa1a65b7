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
