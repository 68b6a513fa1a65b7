"""Verification by alignment: what sub-editors do to wire copy is accepted with the exact
words aligned; what independent reports share (names, titles, short quotes) is not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from provenance.config import AlignConfig, Config, SegmentConfig, ShingleConfig
from provenance.pipeline.align import accept, align, align_many, best_chain_region, explain
from provenance.pipeline.anchors import (
    MalformedTokens,
    TokenStream,
    decode_many,
    decode_tokens,
    encode_tokens,
    winnowed_anchors,
)
from provenance.pipeline.normalise import tokenise_columns
from provenance.pipeline.shingle import shingle_hashes, word_hashes
from provenance.pipeline.verify import (
    Match,
    MatchColumns,
    jaccard,
    measure,
    realign,
    verify_encoded,
    verify_encoded_columns,
    verify_pairs,
    verify_rows,
)

WIRE = ("It is clear, officers believe, that whoever left the building last, according to the timetable the "
        "court heard, must have seen the fire start.")


def _stream(text: str, size: int = 3) -> TokenStream:
    words, starts, ends = tokenise_columns(text)
    hashes = word_hashes(words)
    return TokenStream(np.asarray(starts, np.int64), np.asarray(ends, np.int64), shingle_hashes(hashes, size),
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


def test_rows_are_the_matches_rows_in_pair_order():
    copy = "It is clear that whoever left the building last must have seen the fire start."
    retold = "Witnesses said whoever left the building last must have seen the fire start."
    streams = {1: _stream(WIRE), 2: _stream(copy), 3: _stream(retold)}
    pairs = [(2, 3), (1, 3), (1, 2)]
    rows = verify_rows(pairs, streams, Config())
    # In the order of the pairs, not sorted; (1, 3) shares two short runs only.
    assert [row[:2] for row in rows] == [(2, 3), (1, 2)]
    assert rows == [match.row() for match in verify_pairs(pairs, streams, Config())]
    a, _, a_start, a_end, b_start, b_end, similarity, shared, _, _, matched = rows[1]
    assert (WIRE[a_start:a_end], copy[b_start:b_end]) == (WIRE[:-1], copy[:-1])
    assert matched == len(copy.split()) and similarity == matched / len(WIRE.split())
    assert isinstance(a, int) and isinstance(similarity, float) and isinstance(shared, int)


def test_pairs_with_a_missing_stream_give_nothing():
    streams = {1: _stream(WIRE), 2: _stream(WIRE)}
    assert verify_rows([(1, 7), (7, 2)], streams, Config()) == []
    assert verify_rows(np.zeros((0, 2), np.int64), streams, Config()) == []
    assert len(verify_rows(np.array([[1, 2], [2, 9]]), streams, Config())) == 1


def test_a_verbatim_copy_measures_one_everywhere():
    [row] = verify_rows([(1, 2)], {1: _stream(WIRE), 2: _stream("Lead-in. " + WIRE)}, Config())
    assert row[6:10] == (1.0, len(set(_stream(WIRE).shingles.tolist())), 1.0, 1.0)


def test_measure_compares_the_shingle_sets_of_two_word_ranges():
    # Shingles of words [0, 6) with size 3: the first four; of [2, 6): shingles 2 and 3.
    stream = TokenStream(np.arange(6), np.arange(1, 7), np.array([10, 11, 12, 13], np.uint32),
                         np.zeros(6, np.uint32))
    assert measure(stream, (0, 6), stream, (2, 6), 4, 3) == (4 / 6, 2, 2 / 4, 1.0)
    # A range shorter than a shingle is the one shingle it starts.
    assert measure(stream, (1, 2), stream, (1, 3), 1, 3) == (0.5, 1, 1.0, 1.0)
    # Nothing in common, and no shingle at all: zeros, never a division by zero.
    assert measure(stream, (0, 3), stream, (3, 6), 0, 3) == (0.0, 0, 0.0, 0.0)
    empty = TokenStream(np.zeros(0), np.zeros(0), np.zeros(0, np.uint32), np.zeros(0, np.uint32))
    assert measure(empty, (0, 0), empty, (0, 0), 0, 3) == (0.0, 0, 0.0, 0.0)


# The computation verify_rows replaced (Region and Match objects, Python sets), kept
# here only to check the native one against it.
def _reference_measure(a: TokenStream, a_words: tuple[int, int], b: TokenStream, b_words: tuple[int, int],
                       matched: int, size: int) -> tuple[float, int, float, float]:
    def window(stream: TokenStream, first: int, last: int) -> set[int]:
        stop = last - size + 1 if last - first >= size else first + 1
        return set(stream.shingles[first:stop].tolist())

    left, right = window(a, *a_words), window(b, *b_words)
    shared = len(left & right)
    union = len(left) + len(right) - shared
    longer = max(a_words[1] - a_words[0], b_words[1] - b_words[0], 1)
    smaller = max(1, min(len(left), len(right)))
    return min(1.0, matched / longer), shared, (shared / union if union else 0.0), min(1.0, shared / smaller)


def _reference_rows(pairs: list[tuple[int, int]], streams: dict[int, TokenStream], config: Config) -> list[tuple]:
    size, seed = config.shingle.size, config.align.seed_size
    present = [(a, b) for a, b in pairs if a in streams and b in streams]
    ids = sorted({unit for pair in present for unit in pair})
    position = {unit: k for k, unit in enumerate(ids)}
    found = align_many([streams[unit].seeds(seed) for unit in ids],
                       [(position[a], position[b]) for a, b in present], seed, config.align,
                       config.segment.min_words, config.verify.min_similarity)
    rows = []
    for (a_id, b_id), regions in zip(present, found, strict=True):
        a, b = streams[a_id], streams[b_id]
        for region in regions:
            a_words = (region.a_start, min(region.a_end, len(a)))
            b_words = (region.b_start, min(region.b_end, len(b)))
            measures = _reference_measure(a, a_words, b, b_words, region.matched, size)
            rows.append((a_id, b_id, int(a.starts[a_words[0]]), int(a.ends[a_words[1] - 1]),
                         int(b.starts[b_words[0]]), int(b.ends[b_words[1] - 1]), *measures, region.matched))
    return rows


VOCABULARY = ("the", "fire", "crew", "said", "on", "Monday,", "that", "it", "was", "late", "and", "police",
              "found", "no", "sign", "of", "a", "break-in", "\u201cquickly\u201d", "Mr.", "Roe", "41", "left")
CONFIGS = [
    Config(),
    Config(segment=SegmentConfig(min_words=3), shingle=ShingleConfig(size=2),
           align=AlignConfig(seed_size=3, long_run=4, min_scattered=5, max_gap=6)),
]


@st.composite
def _passages(draw: st.DrawFn) -> list[str]:
    """A source text and edited copies of parts of it: cut, words dropped, words added
    (about half the examples verify some pair)."""
    words = st.sampled_from(VOCABULARY)
    source = draw(st.lists(words, min_size=9, max_size=70) | st.lists(words, max_size=8))
    texts = [" ".join(source)]
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(source) // 2))
        part = source[start : draw(st.integers(start, len(source)))]
        kept = [word for word in part if draw(st.integers(0, 15)) > 0]
        added = draw(st.lists(words, max_size=6))
        at = draw(st.integers(0, len(kept)))
        texts.append(" ".join(kept[:at] + added + kept[at:]))
    return texts


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "small"])
@settings(max_examples=150, deadline=None)
@given(texts=_passages(), data=st.data())
def test_verify_rows_equal_the_python_computation(config, texts, data):
    streams = {10 * k: _stream(text, config.shingle.size) for k, text in enumerate(texts) if text}
    units = [10 * k for k in range(len(texts))] + [999]  # an empty text and 999 have no stream
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(units), st.sampled_from(units)), min_size=1, max_size=12))
    rows = verify_rows(pairs, streams, config)
    expected = _reference_rows(pairs, streams, config)
    assert rows == expected
    assert [tuple(map(type, row)) for row in rows] == [tuple(map(type, row)) for row in expected]
    assert [Match(*row) for row in rows] == verify_pairs(pairs, streams, config)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=12), st.lists(st.integers(0, 5), max_size=12), st.data())
def test_measure_equals_the_python_computation(left, right, data):
    def stream(values: list[int]) -> TokenStream:
        count = len(values) + 2
        return TokenStream(np.arange(count), np.arange(count), np.asarray(values, np.uint32),
                           np.zeros(count, np.uint32))

    a, b = stream(left), stream(right)
    a_first = data.draw(st.integers(0, len(a)))
    b_first = data.draw(st.integers(0, len(b)))
    a_words = (a_first, data.draw(st.integers(a_first, len(a))))
    b_words = (b_first, data.draw(st.integers(b_first, len(b))))
    matched, size = data.draw(st.integers(0, 20)), data.draw(st.integers(1, 4))
    assert measure(a, a_words, b, b_words, matched, size) == _reference_measure(a, a_words, b, b_words, matched, size)


def _reference_realign(a: TokenStream, a_words: tuple[int, int], b: TokenStream, b_words: tuple[int, int], config: Config,
                       required: bool) -> tuple | None:
    """What findings and selection did before :func:`realign`: the best chain inside the
    ranges, the rule when required, the ranges narrowed to it, measured."""
    seed = config.align.seed_size
    region = best_chain_region(a.seeds(seed), a_words, b.seeds(seed), b_words, seed, config.align)
    if required and (region is None or not accept(region, config.align, config.segment.min_words,
                                                  config.verify.min_similarity)):
        return None
    matched = 0
    if region is not None:
        matched = region.matched
        a_words, b_words = (region.a_start, min(region.a_end, len(a))), (region.b_start, min(region.b_end, len(b)))
    return (a_words, b_words, matched, *measure(a, a_words, b, b_words, matched, config.shingle.size))


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "small"])
@settings(max_examples=150, deadline=None)
@given(texts=_passages(), data=st.data())
def test_realign_equals_chaining_then_measuring(config, texts, data):
    streams = [_stream(text, config.shingle.size) for text in texts if text]
    assume(streams)
    a, b = data.draw(st.sampled_from(streams)), data.draw(st.sampled_from(streams))
    def words(stream: TokenStream) -> tuple[int, int]:  # often the whole paragraph, as most spans are
        if data.draw(st.booleans()):
            return 0, len(stream)
        first = data.draw(st.integers(0, len(stream)))
        return first, data.draw(st.integers(first, len(stream)))

    a_words, b_words = words(a), words(b)
    # The same ranges as str spans (a finding's spans are offsets): from a word's start,
    # or a character later (mid-word), to a word's end.
    def span(stream: TokenStream, words: tuple[int, int]) -> tuple[int, int]:
        if words[1] <= words[0]:
            return (int(stream.starts[words[0]]), int(stream.starts[words[0]])) if words[0] < len(stream) else (10**6, 10**6)
        return int(stream.starts[words[0]]) + data.draw(st.integers(0, 1)), int(stream.ends[words[1] - 1])

    a_span, b_span = span(a, a_words), span(b, b_words)
    for required in (False, True):
        expected = _reference_realign(a, a_words, b, b_words, config, required)
        assert realign(a, a_words, b, b_words, config, required) == expected
        assert realign(a, a_span, b, b_span, config, required, offsets=True) == _reference_realign(
            a, a.word_range(*a_span), b, b.word_range(*b_span), config, required)


def _blob(stream: TokenStream) -> bytes:
    return encode_tokens(stream.starts.tolist(), stream.ends.tolist(), stream.shingles, stream.words)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=40), min_size=1, max_size=6))
def test_streams_decoded_together_are_each_decoded_alone(word_lists):
    blobs = []
    for words in word_lists:
        hashes = np.asarray(words, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        starts = [5 * i for i in range(len(words))]
        blobs.append(encode_tokens(starts, [s + 3 for s in starts], shingle_hashes(hashes, 3), hashes))
    columns = decode_many(blobs)
    for i, blob in enumerate(blobs):
        alone = decode_tokens(blob)
        w, s = slice(*columns.word_bounds[i : i + 2]), slice(*columns.shingle_bounds[i : i + 2])
        assert columns.starts[w].tolist() == alone.starts.tolist() and columns.ends[w].tolist() == alone.ends.tolist()
        assert columns.words[w].tolist() == alone.words.tolist()
        assert columns.shingles[s].tolist() == alone.shingles.tolist()


def test_a_malformed_blob_is_named_by_its_unit():
    with pytest.raises(MalformedTokens, match="blob 1"):
        decode_many([_blob(_stream(WIRE)), b"\x05\x00\x00\x00"])  # five words announced, none stored
    with pytest.raises(MalformedTokens, match="unit 7: malformed"):
        verify_encoded([(3, 7)], {3: _blob(_stream(WIRE)), 7: b"\x01\x00"}, Config())


def test_stored_streams_verify_as_the_streams_they_encode():
    copy = "It is clear that whoever left the building last must have seen the fire start."
    retold = "Witnesses said whoever left the building last must have seen the fire start."
    streams = {1: _stream(WIRE), 2: _stream(copy), 3: _stream(retold), 4: _stream("Nothing alike here at all.")}
    pairs = np.array([(2, 3), (1, 3), (1, 2), (1, 4), (1, 9)])  # unit 9 is not stored
    rows = verify_encoded(pairs, {unit: _blob(stream) for unit, stream in streams.items()}, Config())
    assert rows == verify_rows(pairs, streams, Config()) and len(rows) >= 2


def test_verified_columns_are_the_rows_and_join_take_and_pair_as_rows_do():
    config = Config()
    texts = [WIRE, WIRE.replace("the", "a"), " ".join(WIRE.split()[5:40]), "Nothing in common with the others at all."]
    blobs = {unit: _blob(_stream(text)) for unit, text in enumerate(texts, start=1)}
    pairs = np.array([(a, b) for a in blobs for b in blobs if a < b], dtype=np.int64)
    columns = verify_encoded_columns(pairs, blobs, config)
    rows = verify_encoded(pairs, blobs, config)
    assert len(rows) >= 3 and list(columns.rows()) == rows == list(columns.rows(chunk=1))
    assert columns.pairs().tolist() == [[row[0], row[1]] for row in rows]
    keep = np.array([i % 2 == 0 for i in range(len(rows))])
    assert list(columns.take(keep).rows()) == [row for row, k in zip(rows, keep, strict=True) if k]
    halves = [verify_encoded_columns(pairs[:2], blobs, config), MatchColumns(()), verify_encoded_columns(pairs[2:], blobs, config)]
    assert list(MatchColumns.join(halves).rows()) == rows
    assert len(MatchColumns.join([])) == 0 and list(MatchColumns.join([]).rows()) == []
