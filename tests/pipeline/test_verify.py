"""Verification by alignment: what sub-editors do to wire copy is accepted with the exact
words aligned; what independent reports share (names, titles, short quotes) is not."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import AlignConfig, Config
from provenance.pipeline.align import align, explain
from provenance.pipeline.anchors import TokenStream, decode_tokens, encode_tokens, winnowed_anchors
from provenance.pipeline.normalise import tokenise_columns
from provenance.pipeline.shingle import shingle_hashes, word_hashes
from provenance.pipeline.verify import jaccard, verify_pairs

WIRE = ("It is clear, officers believe, that whoever left the building last, according to the timetable the "
        "court heard, must have seen the fire start.")


def _stream(text: str) -> TokenStream:
    words, starts, ends = tokenise_columns(text)
    hashes = word_hashes(words)
    return TokenStream(np.asarray(starts, np.int64), np.asarray(ends, np.int64), shingle_hashes(hashes, 3),
                       (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))


def _verify(origin: str, copy: str) -> list:
    return verify_pairs([(1, 2)], {1: _stream(origin), 2: _stream(copy)}, Config())


def test_an_abridged_copy_is_accepted_with_its_whole_span():
    copy = "It is clear that whoever left the building last must have seen the fire start."
    [match] = _verify(WIRE, copy)
    assert copy[match.b_start : match.b_end] == copy[:-1]  # every copy word, no unaligned end
    assert WIRE[match.a_start : match.a_end] == WIRE[:-1]
    assert match.matched == len(copy.split())
    assert match.jaccard < 0.5 < match.containment  # what unit Jaccard used to reject


def test_a_verbatim_start_with_a_rewritten_end_reports_the_verbatim_part():
    wire = "Jane Roe, 41, who spent six years restoring the mill, was finally stopped when a group of neighbours decided to act."
    copy = "Jane Roe, 41, who spent six years restoring the mill, was finally stopped by neighbours."
    [match] = _verify(wire, copy)
    assert copy[match.b_start : match.b_end] == "Jane Roe, 41, who spent six years restoring the mill, was finally stopped"
    assert match.similarity == 1.0 and match.matched == 13


def test_shared_names_titles_and_short_quotes_are_not_reuse():
    first = ("Foreign Minister Sergey Lavrov met with North Korean leader Kim Jong-un on Thursday, state media said, "
             "and the talks lasted three hours.")
    second = ("Pyongyang welcomed Foreign Minister Sergey Lavrov, who held talks with North Korean leader Kim Jong-un "
              "about sanctions and the summit.")
    assert _verify(first, second) == []
    quote_a = "\u201cWe welcome the contacts between North Korea and the United States,\u201d Lavrov said in Moscow."
    quote_b = "Officials hope for progress between North Korea and the United States, an aide said on Friday."
    assert _verify(quote_a, quote_b) == []


def test_two_wire_sentences_merged_into_one_paragraph_give_two_regions():
    first = "The river burst its banks at dawn and flooded forty homes in the lower town before the army arrived."
    second = "Engineers said the new barrier, finished only last spring, had failed because its pumps lost power."
    wire = first + " " + " ".join(["Unrelated filler words follow here."] * 12) + " " + second
    copy = first[:-1] + ", and engineers said the new barrier, finished only last spring, had failed because its pumps lost power."
    matches = _verify(wire, copy)
    covered = sorted((m.b_start, m.b_end) for m in matches)
    assert len(matches) == 2 and covered[0][1] <= covered[1][0]


def test_explain_lists_kept_dropped_and_added_words():
    copy = "It is clear that whoever left the building last must have seen the fire start."
    regions = align(_stream(WIRE).shingles, _stream(copy).shingles, 3, AlignConfig(), 8, 0.5)
    ops = [op for op, *_ in explain(regions[0])]
    assert ops == ["equal", "delete", "equal", "delete", "equal"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list("abcdefghijklmnop")), min_size=12, max_size=60))
def test_a_passage_aligns_with_itself_completely(words):
    text = " ".join(words)
    [match, *_] = _verify(text, text)
    assert match.a_start == 0 and match.b_start == 0
    assert match.matched >= len(words) - 2 or match.similarity <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=12, max_size=80), st.integers(0, 40), st.integers(0, 40))
def test_any_shared_run_of_ten_words_shares_an_anchor(shared, before, after):
    """The winnowing guarantee: a verbatim run of anchor_size + anchor_window - 1 words."""
    config = AlignConfig()
    rng = np.random.default_rng(len(shared) * 1000 + before * 41 + after)
    run = np.asarray(shared[: config.anchor_size + config.anchor_window - 1], dtype=np.uint64)
    left = np.concatenate([rng.integers(0, 2**63, before, dtype=np.uint64), run])
    right = np.concatenate([run, rng.integers(0, 2**63, after, dtype=np.uint64)])
    a = winnowed_anchors(left, config.anchor_size, config.anchor_window)
    b = winnowed_anchors(right, config.anchor_size, config.anchor_window)
    assert len(np.intersect1d(a, b)) >= 1


def test_token_streams_round_trip():
    stream = _stream(WIRE)
    back = decode_tokens(encode_tokens(stream.starts.tolist(), stream.ends.tolist(), stream.shingles, stream.words))
    assert back.starts.tolist() == stream.starts.tolist() and back.ends.tolist() == stream.ends.tolist()
    assert back.words.tolist() == stream.words.tolist() and back.shingles.tolist() == stream.shingles.tolist()


def test_jaccard_is_exact():
    assert jaccard(np.array([1, 2, 3], np.uint32), np.array([2, 3, 4], np.uint32)) == 0.5
