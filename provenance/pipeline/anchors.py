"""Anchors: winnowed word n-grams that propose paragraph pairs sharing any long run.

MinHash/LSH proposes units whose shingle sets are similar as wholes; an abridged copy or
a sentence inside a long paragraph can share a long verbatim run with its origin and
still be dissimilar as a set. Anchors close that gap with winnowing (Schleimer et al.):
hash every ``size``-word n-gram of a paragraph (the shingle polynomial with its own
multiplier, so anchors are their own hash space), and in each window of ``window``
consecutive n-grams keep the smallest hash. Two paragraphs sharing a verbatim run of
``size + window - 1`` words share the whole window of n-grams inside it, hence its
minimum: **any shared run of that many words is proposed** (6 words by default: 5-grams
over windows of 2, so a trimmed quotation that keeps its words in runs of six is still
proposed), at a density of about ``2 / (window + 1)`` anchors per word.

This module also packs the token stream of a paragraph (word offsets, word hashes and
the ordered shingle hashes) that alignment and the measures read back from the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from provenance._native import decode_streams as _native_decode_streams
from provenance._native import shingle_hashes as _native_shingle_hashes
from provenance._native import winnowed_anchors as _native_winnowed_anchors

__all__ = ["MalformedTokens", "TokenColumns", "TokenStream", "decode_many", "decode_tokens", "encode_tokens",
           "winnowed_anchors"]


def winnowed_anchors(word_hashes: np.ndarray, size: int, window: int) -> np.ndarray:
    """Sorted unique anchors (int64, from 32-bit n-gram hashes) of one paragraph: the
    smallest n-gram hash of each window (of all n-grams when there are at most
    ``window``; none with fewer than ``size`` words). Computed by the native core
    (``native/src/anchors.rs``)."""
    return _native_winnowed_anchors(np.ascontiguousarray(word_hashes, dtype=np.uint64), size, window)


class TokenStream:
    """A paragraph's words as stored: ``starts``/``ends`` (``str`` offsets in the
    document, one per word), ``words`` (the low 32 bits of each word's hash) and
    ``shingles`` (in order, the hash of the shingle starting at each word that starts
    one: ``words - size + 1`` of them, or one for a passage shorter than a shingle)."""

    __slots__ = ("_seeds", "ends", "shingles", "starts", "words")

    def __init__(self, starts: np.ndarray, ends: np.ndarray, shingles: np.ndarray, words: np.ndarray) -> None:
        self.starts, self.ends, self.shingles, self.words = starts, ends, shingles, words
        self._seeds: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.starts)

    def copy(self) -> TokenStream:
        """The same stream in arrays of its own (not views of a bulk read's columns)."""
        stream = TokenStream(self.starts.copy(), self.ends.copy(), self.shingles.copy(), self.words.copy())
        stream._seeds = self._seeds
        return stream

    def seeds(self, size: int) -> np.ndarray:
        """uint32 hashes of every ``size``-word n-gram, in order (alignment seeds; one
        over all the words when there are fewer), computed once per size."""
        if size not in self._seeds:
            self._seeds[size] = _native_shingle_hashes(np.ascontiguousarray(self.words, dtype=np.uint64), size)
        return self._seeds[size]

    def word_range(self, start: int, end: int) -> tuple[int, int]:
        """Words ``[first, last)`` lying inside the ``str`` span ``[start, end)``."""
        # The arrays' own method: np.searchsorted's dispatch costs more than the search
        # (a refresh asks this for every copy span it redoes).
        first = int(self.starts.searchsorted(start, "left"))
        last = int(self.ends.searchsorted(end, "right"))
        return first, max(first, last)


def encode_tokens(starts: Sequence[int], ends: Sequence[int], shingles: np.ndarray, words: np.ndarray) -> bytes:
    """``len | starts | ends | words | shingles`` as little-endian uint32 (never pickled);
    ``words`` are word hashes, of which the low 32 bits are kept."""
    head = np.asarray([len(starts)], dtype="<u4").tobytes()
    low = (np.asarray(words, dtype=np.uint64) & np.uint64(0xFFFFFFFF)).astype("<u4")
    return (head + np.asarray(starts, dtype="<u4").tobytes() + np.asarray(ends, dtype="<u4").tobytes()
            + low.tobytes() + np.asarray(shingles, dtype="<u4").tobytes())


def decode_tokens(blob: bytes) -> TokenStream:
    """Inverse of :func:`encode_tokens`; ``ValueError`` on a malformed blob."""
    if len(blob) < 4 or len(blob) % 4:
        raise ValueError("malformed token stream")
    values = np.frombuffer(blob, dtype="<u4")
    count = int(values[0])
    if 1 + 3 * count > len(values):
        raise ValueError("malformed token stream")
    starts = values[1 : 1 + count].astype(np.int64)
    ends = values[1 + count : 1 + 2 * count].astype(np.int64)
    words = values[1 + 2 * count : 1 + 3 * count].astype(np.uint32)
    return TokenStream(starts, ends, values[1 + 3 * count :].astype(np.uint32), words)


class MalformedTokens(ValueError):
    """A token stream blob that :func:`decode_many` cannot read: blob ``index`` (of
    ``unit``, when the caller knows it)."""

    def __init__(self, index: int, unit: int | None = None) -> None:
        super().__init__(f"unit {unit}: malformed token stream" if unit is not None
                         else f"malformed token stream (blob {index})")
        self.index, self.unit = index, unit


class TokenColumns(NamedTuple):
    """Many token streams laid end to end: stream ``i``'s words are
    ``[word_bounds[i], word_bounds[i + 1])`` of ``starts``, ``ends`` (int64) and ``words``
    (uint64), its shingles ``[shingle_bounds[i], shingle_bounds[i + 1])`` of ``shingles``."""

    starts: np.ndarray
    ends: np.ndarray
    words: np.ndarray
    word_bounds: np.ndarray
    shingles: np.ndarray
    shingle_bounds: np.ndarray


def decode_many(blobs: Sequence[bytes]) -> TokenColumns:
    """:func:`decode_tokens` of every blob at once, as columns (no array per stream: a
    scan verifies hundreds of thousands of paragraphs), decoded by the native core
    (``native/src/streams.rs``); a :class:`MalformedTokens` names the first malformed blob."""
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)), out=offsets[1:])
    bad, starts, ends, words, word_bounds, shingles, shingle_bounds = _native_decode_streams(b"".join(blobs), offsets)
    if bad >= 0:
        raise MalformedTokens(bad)
    return TokenColumns(starts, ends, words, word_bounds, shingles, shingle_bounds)
