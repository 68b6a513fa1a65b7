"""Word alignment: edits marked on the right words, offsets tiling the original texts."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.report.align import align, align_reuse
from tests.report.conftest import COPY, ORIGIN


def _marked(text: str, segments: list[tuple[int, int, str]], mark: str) -> list[str]:
    return [text[start:end] for start, end, m in segments if m == mark]


def _reuse_starting(corpus, opening: str) -> dict:
    return next(r for r in corpus.report["reuses"] if corpus.texts[ORIGIN][r["origin"]["start"] :].startswith(opening))


def test_seed_edited_paragraph_marks_the_changed_words(seed_corpus):
    reuse = _reuse_starting(seed_corpus, "Even though the two nations")
    origin_text, copy_text = seed_corpus.texts[ORIGIN], seed_corpus.texts[COPY]
    alignment = align_reuse(reuse, seed_corpus.texts)
    assert alignment is not None and not alignment.identical
    origin_segments, copy_segments = alignment.segments("origin"), alignment.segments("copy")
    assert _marked(origin_text, origin_segments, "changed") == ["Even though", "two"]
    assert _marked(copy_text, copy_segments, "changed") == ["However despite", "fact that Russia and North Korea"]
    assert not _marked(origin_text, origin_segments, "deleted") and not _marked(copy_text, copy_segments, "inserted")
    same = "".join(_marked(copy_text, copy_segments, "same"))
    assert same.startswith(" the ") and "nations established relations 70 years ago" in same
    assert same.endswith("shaken by international sanctions.")


def test_seed_embedded_sentence_marks_its_rewording(seed_corpus):
    reuse = _reuse_starting(seed_corpus, "The long-time Russian foreign minister")
    alignment = align_reuse(reuse, seed_corpus.texts)
    copy_text = seed_corpus.texts[COPY]
    assert _marked(copy_text, alignment.segments("copy"), "changed") == ["been", "the North Korean capital before"]
    assert _marked(seed_corpus.texts[ORIGIN], alignment.segments("origin"), "changed") == ["previously traveled", "Pyongyang"]


def test_seed_verbatim_paragraphs_are_identical(seed_corpus):
    verbatim = [r for r in seed_corpus.report["reuses"] if r["kind"] == "verbatim"]
    assert len(verbatim) == 3
    for reuse in verbatim:
        alignment = align_reuse(reuse, seed_corpus.texts)
        assert alignment.identical
        assert [mark for *_, mark in alignment.segments("copy")] == ["same"]


def test_missing_text_gives_no_alignment(seed_corpus):
    assert align_reuse(seed_corpus.report["reuses"][0], {}) is None


@pytest.mark.parametrize("seed", range(12))
def test_generated_edits_are_found_exactly(seed):
    """Unique words, then known deletions, insertions and substitutions far apart; case and
    punctuation changes on kept words must not count as edits."""
    rng = random.Random(seed)
    words = [f"word{i}" for i in range(60)]
    positions = sorted(rng.sample(range(2, 58, 4), 6))
    operations = dict(zip(positions, rng.choices(["delete", "insert", "replace"], k=len(positions))))
    copy_words: list[str] = []
    deleted, inserted, replaced_old, replaced_new = [], [], [], []
    for i, word in enumerate(words):
        op = operations.get(i)
        if op == "delete":
            deleted.append(word)
            continue
        if op == "insert":
            new = f"added{i}"
            inserted.append(new)
            copy_words.append(new)
        if op == "replace":
            replaced_old.append(word)
            replaced_new.append(f"swapped{i}")
            copy_words.append(f"swapped{i}")
            continue
        copy_words.append(word.upper() + "," if rng.random() < 0.2 else word)
    origin_text = "  " + " ".join(words) + "."
    copy_text = "Intro. " + " ".join(copy_words) + "!"
    span_o = (2, len(origin_text))
    span_c = (7, len(copy_text))
    alignment = align(origin_text, span_o, copy_text, span_c)
    assert _marked(origin_text, alignment.segments("origin"), "deleted") == deleted
    assert _marked(copy_text, alignment.segments("copy"), "inserted") == inserted
    assert _marked(origin_text, alignment.segments("origin"), "changed") == replaced_old
    assert _marked(copy_text, alignment.segments("copy"), "changed") == replaced_new
    assert alignment.origin_words == 60 and alignment.copy_words == len(copy_words)


def test_merged_view_reads_as_a_word_diff():
    alignment = align("the quick fox jumps", (0, 19), "the quick brown fox leaps", (0, 25))
    pieces = alignment.merged("the quick fox jumps", "the quick brown fox leaps")
    assert pieces == [("same", "the quick "), ("inserted", "brown"), ("same", " fox "),
                      ("changed-from", "jumps"), ("changed-to", "leaps")]


def test_leading_punctuation_stays_outside_an_edit():
    origin, copy = '"Alpha beta gamma delta', '"Omega beta gamma delta'
    alignment = align(origin, (0, len(origin)), copy, (0, len(copy)))
    assert alignment.segments("copy") == [(0, 1, "same"), (1, 6, "changed"), (6, len(copy), "same")]


def test_spans_without_words_are_one_unmarked_run():
    alignment = align("-- ... --", (0, 9), "!!", (0, 2))
    assert alignment.identical and alignment.segments("origin") == [(0, 9, "same")]


_WORDS = st.sampled_from(["the", "Fox", "fox", "jumps", "don't", "½", "Ünïcode", "a", "b", "42", "naïve"])
_GLUE = st.sampled_from([" ", ", ", ".\n", " -- ", "\r\n\r\n", "“", "” "])
_TEXT = st.lists(st.tuples(_WORDS, _GLUE), max_size=25).map(lambda parts: "".join(w + g for w, g in parts))


@settings(max_examples=150, deadline=None)
@given(_TEXT, _TEXT, st.integers(0, 6), st.integers(0, 6))
def test_segments_tile_both_spans_exactly(origin_body, copy_body, origin_pad, copy_pad):
    origin = "x" * origin_pad + " " + origin_body
    copy = "y" * copy_pad + " " + copy_body
    span_o, span_c = (origin_pad, len(origin)), (copy_pad, len(copy))
    alignment = align(origin, span_o, copy, span_c)
    for side, text, (start, end) in (("origin", origin, span_o), ("copy", copy, span_c)):
        segments = alignment.segments(side)  # type: ignore[arg-type]
        assert "".join(text[s:e] for s, e, _ in segments) == text[start:end]
        assert all(s < e for s, e, _ in segments)
        assert all(a[1] == b[0] for a, b in pairwise(segments))
    copy_view = "".join(piece for mark, piece in alignment.merged(origin, copy) if mark in ("same", "inserted", "changed-to"))
    assert copy_view == copy[span_c[0] : span_c[1]]
