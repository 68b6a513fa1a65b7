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

from provenance._native import shingle_hashes as _native_shingle_hashes
from provenance._native import word_hashes as _native_word_hashes

__all__ = ["shingle_hash32", "shingle_hashes", "word_hashes"]


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
