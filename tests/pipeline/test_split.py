from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.pipeline.boilerplate import BUILTIN_PATTERNS, is_pattern_boilerplate
from provenance.pipeline.split import (
    ABBREVIATIONS,
    group_segments,
    split_document,
    split_paragraphs,
    split_sentences,
)


def test_paragraphs_are_blank_line_separated_and_trimmed():
    text = "Title\r\n\r\n  First para line one.\r\nline two.  \r\n \r\nSecond.\n"
    spans = split_paragraphs(text, 7)
    assert [text[s:e] for s, e in spans] == ["First para line one.\r\nline two.", "Second."]


def test_sentences_respect_abbreviations_and_initials():
    text = 'Mr. Smith met U.S. officials. "It went well," he said. J. R. Doe left! Then 2 more came.'
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == [
        "Mr. Smith met U.S. officials.",
        '"It went well," he said.',
        "J. R. Doe left!",
        "Then 2 more came.",
    ]


def test_short_sentences_join_their_neighbours():
    text = "He told CNN. The long-time minister has previously traveled to the capital city twice. Yes."
    sentences = split_sentences(text, 0, len(text))
    segments = group_segments(text, sentences, 8)
    assert [text[s:e] for s, e in segments] == [text]


@given(st.text(st.sampled_from(list("ab .!?\n\r\"'A1 \u00a0")), max_size=400))
@settings(max_examples=300, deadline=None)
def test_every_span_slices_the_text_and_nests(text):
    for paragraph in split_document(text, 0, 3, lambda line: False):
        assert 0 <= paragraph.start < paragraph.end <= len(text)
        assert not text[paragraph.start].isspace() and not text[paragraph.end - 1].isspace()
        for start, end in paragraph.segments:
            assert paragraph.start <= start < end <= paragraph.end


def test_abbreviations_are_the_native_list():
    assert {"U.S", "Mr", "Sept", "a.m"} <= ABBREVIATIONS and "jan" not in ABBREVIATIONS


def test_paragraphs_of_only_pattern_lines_are_marked():
    text = "Advertisement\n\nCopyright © 2020 Foo News. All rights reserved.\n\nThe council met.\nAdvertisement"
    marked = [(text[p.start : p.end], p.boilerplate_pattern) for p in split_document(text, 0, 3, is_pattern_boilerplate)]
    assert marked == [("Advertisement", True), ("Copyright © 2020 Foo News. All rights reserved.", True),
                      ("The council met.\nAdvertisement", False)]
    assert not any(p.boilerplate_pattern for p in split_document(text, 0, 3, None))


def test_sentence_spans_are_str_offsets_in_non_ascii_text():
    text = "Ünïcode café opened. “Élan” followed. Then ½ more…"
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == [
        "Ünïcode café opened.", "“Élan” followed.", "Then ½ more…"]


# One line per built-in pattern: the native prefilter must let each through to the regex
# (adding a pattern means adding its phrase to ``may_be_boilerplate`` in native/src/split.rs).
PATTERN_LINES = [
    "JUST WATCHED Storm hits the coast Replay More Videos ...",
    "MUST WATCH",
    "Some clip title Replay More Videos",
    "Please let us know if you're having issues with commenting.",
    "To read the full story, subscribe.",
    "Are you already a subscriber?",
    "Click here to log in!",
    "Sign up for our newsletter and get the best stories in your inbox",
    "(c) 2020 Foo Media Group, all rights reserved",
    "Foo News. All rights reserved.",
    "Follow us on Twitter",
    "Read more:",
    "This story has been updated to correct a date.",
]


def test_every_builtin_pattern_reaches_the_regex():
    assert len(PATTERN_LINES) == len(BUILTIN_PATTERNS)
    for line in PATTERN_LINES:
        assert is_pattern_boilerplate(line), line
        assert [p.boilerplate_pattern for p in split_document(line, 0, 3, is_pattern_boilerplate)] == [True], line
