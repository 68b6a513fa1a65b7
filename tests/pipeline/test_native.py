"""The native core (``provenance._native``) against slow, obviously-correct references.

The references below are the pure-Python/numpy definitions the kernels replaced (test
code only: the package has one implementation). Stored indexes hold band keys, anchors
and shingle hashes, and findings hold alignment spans and scores, so every kernel must
equal its reference bit for bit, for any input.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
import xxhash
from datasketch import MinHash
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from provenance import _native
from provenance.config import AlignConfig, MinHashConfig
from provenance.pipeline.align import (
    Region,
    _best_chain,
    accept,
    align,
    align_many,
    best_chain_region,
    runs_of,
)
from provenance.pipeline.anchors import winnowed_anchors
from provenance.pipeline.lsh import band_keys
from provenance.pipeline.minhash import build_signatures
from provenance.pipeline.normalise import fix_encoding, normalise_word, tokenise
from provenance.pipeline.shingle import shingle_hash32, shingle_hashes, word_hashes
from provenance.pipeline.split import ABBREVIATIONS, split_paragraphs, split_sentences

MASK64 = (1 << 64) - 1

# -- references ----------------------------------------------------------------------------------


def ref_word_hashes(words: list[str]) -> list[int]:
    return [xxhash.xxh3_64_intdigest(word.encode("utf-8", "surrogatepass")) for word in words]


def ref_fold(hashes: list[int], multiplier: int) -> int:
    combined = 0
    for value in hashes:
        combined = (combined * multiplier + value) & MASK64
    return (combined ^ (combined >> 32)) & 0xFFFFFFFF


def ref_shingle_hashes(hashes: list[int], size: int) -> list[int]:
    if not hashes:
        return []
    size = min(size, len(hashes))
    return [ref_fold(hashes[i : i + size], 0x9E3779B97F4A7C15) for i in range(len(hashes) - size + 1)]


def ref_anchors(hashes: list[int], size: int, window: int) -> list[int]:
    grams = [ref_fold(hashes[i : i + size], 0xC2B2AE3D27D4EB4F) for i in range(len(hashes) - size + 1)]
    if not grams:
        return []
    if len(grams) <= window:
        return [min(grams)]
    return sorted({min(grams[i : i + window]) for i in range(len(grams) - window + 1)})


def ref_fmix64(value: int) -> int:
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & MASK64
    return value ^ (value >> 33)


def ref_band_keys(signatures: np.ndarray, num_bands: int, rows_per_band: int) -> np.ndarray:
    prime = 0x100000001B3
    keys = np.zeros((len(signatures), num_bands), dtype=np.uint64)
    for unit, signature in enumerate(signatures.tolist()):
        for band in range(num_bands):
            key = (band + 1) * prime
            for row in signature[band * rows_per_band : (band + 1) * rows_per_band]:
                key = ref_fmix64((key * prime + row) & MASK64)
            keys[unit, band] = key
    return keys.view(np.int64)


def ref_runs(a: list[int], b: list[int], size: int) -> list[tuple[int, int, int]]:
    """Seeds ``(i, j)`` with ``a[i] == b[j]`` (the first 32 ``j`` per ``i``), grouped into
    maximal diagonal runs."""
    seeds = {(i, j) for i, value in enumerate(a) for j in [j for j, other in enumerate(b) if other == value][:32]}
    runs = []
    for i, j in seeds:
        if (i - 1, j - 1) not in seeds:
            length = 1
            while (i + length, j + length) in seeds:
                length += 1
            runs.append((i, j, length + size - 1))
    return sorted(runs)


def ref_transition(prev, nxt, config):
    a0, b0, n0 = prev
    a1, b1, n1 = nxt
    end_a, end_b = a0 + n0, b0 + n0
    overlap = max(0, end_a - a1, end_b - b1)
    if overlap >= n1 or a1 < a0 or b1 < b0:
        return None
    gap_a, gap_b = a1 + overlap - end_a, b1 + overlap - end_b
    if max(gap_a, gap_b) > config.max_gap:
        return None
    substituted = min(gap_a, gap_b)
    indel = abs(gap_a - gap_b)
    cost = substituted * config.mismatch + (config.gap_open + indel * config.gap_extend if indel else 0.0)
    return cost, overlap


def ref_best_chain(runs, config):
    count = len(runs)
    best = [float(n) * config.match for _, _, n in runs]
    back = [-1] * count
    trim = [0] * count
    for q in range(count):
        own = runs[q][2] * config.match
        for p in range(q):
            step = ref_transition(runs[p], runs[q], config)
            if step is None:
                continue
            cost, overlap = step
            score = best[p] - cost + (runs[q][2] - overlap) * config.match
            if score > best[q] or (score == best[q] and back[q] < 0):
                best[q], back[q], trim[q] = score, p, overlap
        if best[q] < own:
            best[q], back[q], trim[q] = own, -1, 0
    end = max(range(count), key=lambda q: (best[q], -q))
    chain = []
    q = end
    while q >= 0:
        a, b, n = runs[q]
        chain.append((a + trim[q], b + trim[q], n - trim[q]))
        q = back[q]
    chain.reverse()
    return best[end], chain


def ref_accept(region: Region, config: AlignConfig, min_words: int, min_coverage: float) -> bool:
    shorter = min(region.a_end - region.a_start, region.b_end - region.b_start)
    longest = max((n for _, _, n in region.runs), default=0)
    return (region.matched >= min_words
            and (longest >= config.long_run or region.matched >= config.min_scattered)
            and region.matched >= min_coverage * shorter
            and region.longest_gap <= config.max_gap)


def ref_region(score, chain) -> Region:
    return Region(chain[0][0], chain[-1][0] + chain[-1][2], chain[0][1], chain[-1][1] + chain[-1][2],
                  sum(n for _, _, n in chain), score, tuple(chain))


def ref_keep_longest(runs):
    return sorted(sorted(runs, key=lambda r: (-r[2], r[0], r[1]))[:400]) if len(runs) > 400 else runs


def ref_align(a, b, size, config, min_words, min_coverage, max_regions=4):
    runs = ref_keep_longest(ref_runs(a, b, size))
    regions = []
    while runs and len(regions) < max_regions:
        region = ref_region(*ref_best_chain(runs, config))
        if not ref_accept(region, config, min_words, min_coverage):
            break
        regions.append(region)
        runs = [r for r in runs if r[0] + r[2] <= region.a_start or r[0] >= region.a_end]
        runs = [r for r in runs if r[1] + r[2] <= region.b_start or r[1] >= region.b_end]
    return regions


# -- strategies ----------------------------------------------------------------------------------

uint64s = st.integers(0, MASK64)
words = st.lists(st.text(max_size=6), max_size=30)
#: Streams over a small alphabet: many repeated shingles, runs, overlaps and ties.
streams = st.lists(st.integers(0, 6), max_size=70)
configs = st.builds(AlignConfig, match=st.sampled_from([1.0, 2.0]), mismatch=st.sampled_from([0.0, 0.5, 1.0]),
                    gap_open=st.sampled_from([0.0, 1.0]), gap_extend=st.sampled_from([0.0, 0.25]),
                    max_gap=st.sampled_from([0, 2, 30]), long_run=st.integers(1, 12),
                    min_scattered=st.integers(1, 14))


def _u32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.uint32)


# -- hashing -------------------------------------------------------------------------------------


def test_word_hashes_are_xxh3_of_utf8_and_keep_lone_surrogates():
    sample = ["police", "Zürich", "", "\udc80", "a\ud800b", "日本"]
    assert word_hashes(sample).tolist() == ref_word_hashes(sample)
    assert word_hashes(sample).dtype == np.uint64
    assert word_hashes(iter(sample)).tolist() == ref_word_hashes(sample)  # any iterable


def test_word_hashes_refuse_what_is_not_a_str():
    with pytest.raises(ValueError, match="words must be str"):
        word_hashes(["fine", b"bytes"])  # type: ignore[list-item]


@given(words)
def test_word_hashes_equal_the_reference(sample):
    assert word_hashes(sample).tolist() == ref_word_hashes(sample)


@given(st.lists(uint64s, max_size=40), st.integers(1, 8))
def test_shingle_hashes_equal_the_reference(hashes, size):
    out = shingle_hashes(np.asarray(hashes, dtype=np.uint64), size)
    assert out.dtype == np.uint32 and out.tolist() == ref_shingle_hashes(hashes, size)


@given(st.lists(st.text(max_size=5), min_size=1, max_size=6))
def test_shingle_hash32_is_one_window(sample):
    assert shingle_hash32(sample) == ref_fold(ref_word_hashes(sample), 0x9E3779B97F4A7C15)


def test_shingle_size_must_be_positive():
    with pytest.raises(ValueError, match="size must be at least 1"):
        shingle_hashes(np.arange(4, dtype=np.uint64), 0)


# -- anchors -------------------------------------------------------------------------------------


def test_anchors_of_a_short_paragraph():
    hashes = np.arange(1, 8, dtype=np.uint64)  # 7 words: 3 n-grams of 5, one window of 6
    assert winnowed_anchors(hashes, 5, 6).tolist() == ref_anchors(hashes.tolist(), 5, 6)
    assert len(winnowed_anchors(hashes, 5, 6)) == 1
    assert winnowed_anchors(hashes[:4], 5, 6).tolist() == []


@given(st.lists(st.one_of(st.integers(0, 3), uint64s), max_size=80), st.integers(1, 6), st.integers(1, 10))
def test_anchors_equal_the_reference(hashes, size, window):
    out = winnowed_anchors(np.asarray(hashes, dtype=np.uint64), size, window)
    assert out.dtype == np.int64 and out.tolist() == ref_anchors(hashes, size, window)


# -- MinHash and band keys -----------------------------------------------------------------------


def _datasketch(values: list[int], config: MinHashConfig) -> np.ndarray:
    sketch = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=lambda value: value)
    for value in values:
        sketch.update(value)
    return sketch.hashvalues


@settings(max_examples=40)
@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=30), max_size=6),
       st.sampled_from([2, 16, 128]), st.integers(0, 2**31))
def test_a_batch_of_signatures_equals_datasketch_unit_by_unit(sets, num_perm, seed):
    config = MinHashConfig(num_perm=num_perm, seed=seed)
    together = build_signatures([_u32(s) for s in sets], config)
    assert together.shape == (len(sets), num_perm) and together.dtype == np.uint32
    for row, values in zip(together, sets, strict=True):
        assert np.array_equal(row, _datasketch(values, config))
        assert np.array_equal(row, build_signatures([_u32(values)], config)[0])


def test_signature_arguments_are_checked():
    with pytest.raises(ValueError, match="one value per permutation"):
        _native.minhash_signatures(_u32([1]), np.array([0, 1]), _u32([1, 3]), _u32([1]))
    with pytest.raises(ValueError, match="non-decreasing offsets"):
        _native.minhash_signatures(_u32([1]), np.array([0, 2]), _u32([1]), _u32([1]))


def test_band_keys_of_a_small_case():
    signatures = np.array([[1, 2, 3, 4], [1, 2, 9, 9]], dtype=np.uint32)
    keys = band_keys(signatures, 2, 2)
    assert keys.dtype == np.int64 and keys.shape == (2, 2)
    assert np.array_equal(keys, ref_band_keys(signatures, 2, 2))
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] != keys[1, 1]


@given(st.integers(0, 20), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**32))
def test_band_keys_equal_the_reference(units, num_bands, rows_per_band, spare, seed):
    rng = np.random.default_rng(seed)
    signatures = rng.integers(0, 2**32, size=(units, num_bands * rows_per_band + spare), dtype=np.uint32)
    assert np.array_equal(band_keys(signatures, num_bands, rows_per_band),
                          ref_band_keys(signatures, num_bands, rows_per_band))
    # A non-contiguous view gives the same keys.
    wide = np.repeat(signatures, 2, axis=1)[:, ::2]
    assert np.array_equal(band_keys(wide, num_bands, rows_per_band), band_keys(signatures, num_bands, rows_per_band))


def test_band_keys_need_enough_permutations():
    with pytest.raises(ValueError, match="exceeds the signatures' 4 permutations"):
        band_keys(np.zeros((2, 4), dtype=np.uint32), 3, 2)


# -- alignment -----------------------------------------------------------------------------------


def test_runs_of_a_shifted_copy():
    assert runs_of(_u32([10, 11, 12, 13]), _u32([1, 10, 11, 12, 13, 2]), 3) == [(0, 1, 6)]
    assert runs_of(_u32([]), _u32([1]), 3) == []


@given(streams, streams, st.integers(1, 4))
def test_runs_equal_the_reference(a, b, size):
    assert runs_of(_u32(a), _u32(b), size) == ref_runs(a, b, size)


@given(streams, streams, configs)
def test_best_chains_equal_the_reference(a, b, config):
    runs = ref_runs(a, b, 3)
    if runs:
        assert _best_chain(runs, config) == ref_best_chain(runs, config)


@given(streams, streams, configs, st.integers(1, 12), st.sampled_from([0.0, 0.3, 0.5, 1.0]), st.integers(0, 4))
def test_alignments_equal_the_reference(a, b, config, min_words, min_coverage, max_regions):
    ours = align(_u32(a), _u32(b), 3, config, min_words, min_coverage, max_regions)
    assert ours == ref_align(a, b, 3, config, min_words, min_coverage, max_regions)
    for region in ours:
        assert accept(region, config, min_words, min_coverage)


@given(streams, streams, configs, st.integers(0, 5), st.integers(0, 5), st.integers(0, 60), st.integers(0, 60))
def test_best_chain_regions_equal_the_reference(a, b, config, a0, b0, a_len, b_len):
    a_words, b_words = (a0, a0 + a_len), (b0, b0 + b_len)
    ours = best_chain_region(_u32(a), a_words, _u32(b), b_words, 3, config)
    a_part = a[a0 : max(a0 + 1, a_words[1] - 2)]
    b_part = b[b0 : max(b0 + 1, b_words[1] - 2)]
    runs = ref_keep_longest(ref_runs(a_part, b_part, 3))
    if not runs:
        assert ours is None
        return
    score, chain = ref_best_chain(runs, config)
    assert ours == ref_region(score, [(x + a0, y + b0, n) for x, y, n in chain])


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(1, 15)), max_size=6),
       configs, st.integers(0, 20), st.sampled_from([0.0, 0.5, 1.0]))
def test_acceptance_equals_the_rule(runs, config, min_words, min_coverage):
    runs = sorted(runs)
    region = ref_region(1.0, runs) if runs else Region(0, 0, 0, 0, 0, 0.0, ())
    assert accept(region, config, min_words, min_coverage) == ref_accept(region, config, min_words, min_coverage)


@pytest.mark.parametrize("seed", [1, 2])
def test_many_runs_keep_the_400_longest_like_the_reference(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 25, 260).tolist()
    b = rng.integers(0, 25, 260).tolist()
    b[100:140] = a[30:70]  # one long shared passage among hundreds of short runs
    assert len(ref_runs(a, b, 1)) > 400
    config = AlignConfig()
    assert align(_u32(a), _u32(b), 1, config, 6, 0.0) == ref_align(a, b, 1, config, 6, 0.0)


@given(st.lists(streams, min_size=1, max_size=5), st.data())
def test_a_batch_of_pairs_equals_the_pairs_one_by_one(batch, data):
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(batch) - 1), st.integers(0, len(batch) - 1)), max_size=8))
    config = AlignConfig(long_run=4, min_scattered=5)
    together = align_many([_u32(s) for s in batch], pairs, 3, config, 4, 0.3)
    assert together == [align(_u32(batch[i]), _u32(batch[j]), 3, config, 4, 0.3) for i, j in pairs]


def test_pairs_must_index_the_streams():
    with pytest.raises(ValueError, match="pairs must index the 2 streams"):
        align_many([_u32([1]), _u32([1])], [(0, 2)], 3, AlignConfig(), 6, 0.5)


# -- the text stage: references are the regex/unicodedata definitions it replaced ---------------

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD = re.compile(rf"(?:\w|[{_MARKS}])+(?:['\u2019\u02bc](?:\w|[{_MARKS}])+)*")
_DROPPED = str.maketrans({"\u2019": "", "\u02bc": "", "'": "", "\u2018": "", "_": ""})
_BLOCK = re.compile(r"(?:[^\r\n]*\S[^\r\n]*(?:\r\n|\r|\n|$))+")
_LINE = re.compile(r"[^\r\n]+")
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])")


def ref_normalise_word(word: str) -> list[str]:
    parts = [word]
    for _ in range(8):
        again = []
        for part in parts:
            part = _NON_ASCII_RUN.sub(lambda m: fix_encoding(m.group()), part)
            folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", part).casefold()).translate(_DROPPED)
            again.extend(_WORD.findall(folded))
        if again == parts:
            break
        parts = again
    return parts


def ref_tokenise(text: str) -> list[tuple[str, int, int]]:
    pieces, starts, ends, cursor = [], [], [], 0
    for match in _NON_ASCII_RUN.finditer(text):
        fixed = fix_encoding(match.group())
        if fixed != match.group():
            pieces.append(text[cursor : match.start()] + fixed)
            starts += list(range(cursor, match.start())) + [match.start()] * len(fixed)
            ends += list(range(cursor + 1, match.start() + 1)) + [match.end()] * len(fixed)
            cursor = match.end()
    pieces.append(text[cursor:])
    starts += list(range(cursor, len(text)))
    ends += list(range(cursor + 1, len(text) + 1))
    return [(word, starts[m.start()], ends[m.end() - 1]) for m in _WORD.finditer("".join(pieces))
            for word in ref_normalise_word(m.group())]


def ref_paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _BLOCK.finditer(text):
        chunk = match.group()
        start = match.start() + len(chunk) - len(chunk.lstrip())
        spans.append((start, start + len(chunk.strip())))
    return spans


def ref_sentences(text: str) -> list[tuple[int, int]]:
    def abbreviation(stop: int) -> bool:
        end = stop - 1 if stop and text[stop - 1] == "\n" else stop
        start = end
        while start and not text[start - 1].isspace():
            start -= 1
        word = text[start:end].lstrip("\"'(\u201c\u2018[").rstrip(".")
        return start != end and (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word.isupper()))

    sentences = []
    for line in _LINE.finditer(text):
        cursor = line.start()
        for boundary in _BOUNDARY.finditer(text, line.start(), line.end()):
            if boundary.group() == "." and abbreviation(boundary.start()):
                continue
            sentences.append((cursor, boundary.end()))
            cursor = boundary.end()
        sentences.append((cursor, line.end()))
    trimmed = [(s + len(text[s:e]) - len(text[s:e].lstrip()), s + len(text[s:e].rstrip())) for s, e in sentences]
    return [(s, e) for s, e in trimmed if e > s]


# Characters assigned in this Python's Unicode database: the crates' tables are newer
# (characters assigned since then are letters natively, unassigned to the reference).
_ASSIGNED = st.characters(blacklist_categories=("Cn", "Cs"))
_PIECES = st.sampled_from(["Russiaâ€™s", "ðŸ‡·ðŸ‡º", "\u00a0", "“quoted”", "e\u0301", "ﬁne", "\r\n", "\n", "\n\n", "½",
                           "Ünïcode", "U.S.", "Mr.", "J.", "word", " ", "—", "’”", "…", ". ", "! ", "(", ")", "Straße",
                           "İstanbul", "ΣΊΣΥΦΟΣ", "__", "don't", "rock’n’roll", "\x1c", "\u2028", "Ⅻ", "ǅ", "A", "1"])
_TEXTS = st.one_of(st.text(_ASSIGNED, max_size=200), st.lists(_PIECES, max_size=60).map("".join),
                   st.lists(st.one_of(_PIECES, st.text(_ASSIGNED, max_size=3)), max_size=40).map("".join))


@given(_TEXTS)
@settings(max_examples=400, deadline=None)
def test_tokenise_equals_the_regex_reference(text):
    # A mojibake repair can give a character this Python's Unicode database does not
    # have yet (``"Ö\x8b"`` -> U+058B): the reference cannot judge its words.
    repaired = "".join(fix_encoding(run.group()) for run in _NON_ASCII_RUN.finditer(text))
    assume(all(unicodedata.category(c) != "Cn" for c in repaired))
    assert [(t.text, t.start, t.end) for t in tokenise(text)] == ref_tokenise(text)


@given(_TEXTS)
@settings(max_examples=400, deadline=None)
def test_paragraphs_and_sentences_equal_the_regex_reference(text):
    assert split_paragraphs(text, 0) == ref_paragraphs(text)
    assert split_sentences(text, 0, len(text)) == ref_sentences(text)


def test_every_assigned_character_folds_like_python():
    for first in range(0, 0x30000, 4096):
        chars = [chr(c) for c in range(first, first + 4096) if unicodedata.category(chr(c)) not in ("Cn", "Cs")]
        assert [normalise_word(c) for c in chars] == [ref_normalise_word(c) for c in chars]


def test_a_failing_callback_raises_in_the_caller():
    def broken(run: str) -> str:
        raise RuntimeError("no repair today")

    with pytest.raises(RuntimeError, match="no repair today"):
        _native.tokenise("déjà vu ðŸ‡·", 0, None, broken)
