"""Word shingles hashed without building shingle strings.

Each normalised word is hashed once with xxh3-64; the hash of a word n-gram is the
polynomial ``(((w0 * M) + w1) * M + w2) mod 2**64`` folded to 32 bits (high xor low),
computed for a whole paragraph at once by the native core (``native/src/shingle.rs``).
32-bit values are what datasketch's ``affine32`` scheme takes. :func:`shingle_hash32` is
the same function over one shingle, used as the ``hashfunc`` that makes datasketch
produce our signatures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

from provenance._native import shingle_hashes as _native_shingle_hashes
from provenance._native import word_hashes as _native_word_hashes
from provenance.config import Config
from provenance.pipeline.anchors import encode_tokens, winnowed_anchors
from provenance.pipeline.normalise import tokenise_columns
from provenance.records import Document, Paragraph, Unit

__all__ = ["build_units", "paragraph_fingerprint", "shingle_hash32", "shingle_hashes", "word_hashes"]


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """uint64 xxh3-64 of each word's UTF-8 bytes (a lone surrogate is encoded as
    ``surrogatepass`` does, so every ``str`` has a hash)."""
    return _native_word_hashes(words)


def shingle_hashes(hashes: np.ndarray, size: int) -> np.ndarray:
    """uint32 hashes of every ``size``-word window of word hashes (one window over all
    the words if there are fewer than ``size``; none for no words)."""
    return _native_shingle_hashes(np.ascontiguousarray(hashes, dtype=np.uint64), size)


def shingle_hash32(words: Sequence[str]) -> int:
    """The hash of one shingle, equal to :func:`shingle_hashes` for that window."""
    if not words:
        return 0
    return int(shingle_hashes(word_hashes(words), len(words))[0])


def paragraph_fingerprint(words: Sequence[str]) -> int:
    """Signed 64-bit hash of a paragraph's normalised words (SQLite INTEGER friendly)."""
    value = xxhash.xxh3_64_intdigest(" ".join(words).encode("utf-8", "surrogatepass"))
    return value - (1 << 64) if value >= 1 << 63 else value


def build_units(document: Document, paragraphs: list[Paragraph], config: Config) -> tuple[list[Unit], list[tuple[int, int]]]:
    """Units (whole paragraphs, and their segments when there are several) and, per
    paragraph, ``(word_count, fingerprint)`` used for boilerplate detection."""
    min_words, size = config.segment.min_words, config.shingle.size
    units: list[Unit] = []
    stats: list[tuple[int, int]] = []
    for index, paragraph in enumerate(paragraphs):
        words, token_starts, token_ends = tokenise_columns(document.text, paragraph.start, paragraph.end)
        stats.append((len(words), paragraph_fingerprint(words)))
        if len(words) < min_words or paragraph.boilerplate_pattern:
            continue
        hashes = word_hashes(words)
        windows = shingle_hashes(hashes, size)
        units.append(Unit(index, "paragraph", paragraph.start, paragraph.end, np.unique(windows), len(words),
                          tokens=encode_tokens(token_starts, token_ends, windows, hashes),
                          anchors=winnowed_anchors(hashes, config.align.anchor_size, config.align.anchor_window)))
        if len(paragraph.segments) < 2:
            continue
        starts = np.asarray(token_starts, dtype=np.int64)
        for seg_start, seg_end in paragraph.segments:
            first, last = (int(i) for i in np.searchsorted(starts, [seg_start, seg_end]))
            if last - first < max(3, min(size, min_words)):
                continue
            # A segment's windows are the paragraph's windows that lie inside it.
            inside = windows[first : last - size + 1] if last - first >= size else shingle_hashes(hashes[first:last], size)
            shingles = np.unique(inside)
            units.append(Unit(index, "segment", seg_start, seg_end, shingles, int(last - first)))
    return units, stats
