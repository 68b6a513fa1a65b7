"""MinHash signatures for many units at once, identical to datasketch's ``affine32``.

datasketch 2.x (``MinHash(num_perm, seed)``, scheme ``affine32``) pre-mixes each 32-bit
input hash with the MurmurHash3 finalizer, then applies ``a * h + b mod 2**32`` with
odd ``a``. We draw ``a``/``b`` from the same ``RandomState(seed)`` calls; the native core
(``native/src/minhash.rs``) applies the permutations to a whole batch of units at once,
one unit per task on rayon threads, without the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from provenance._native import minhash_signatures as _native_minhash_signatures
from provenance.config import MinHashConfig

__all__ = ["EMPTY_VALUE", "build_signatures", "permutations", "signatures_of_concatenated"]

EMPTY_VALUE = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` parameters datasketch draws for ``affine32``."""
    generator = np.random.RandomState(seed)
    dtype = np.uint32
    a = generator.randint(0, 1 << 31, num_perm, dtype=dtype) * dtype(2) + dtype(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=dtype)
    return a, b


def build_signatures(shingle_sets: Sequence[np.ndarray], config: MinHashConfig) -> np.ndarray:
    """``(len(shingle_sets), num_perm)`` uint32 signatures; empty sets get all-max rows.

    >>> build_signatures([np.array([1, 2], np.uint32), np.array([], np.uint32)], MinHashConfig()).shape
    (2, 128)
    """
    bounds = np.zeros(len(shingle_sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in shingle_sets], out=bounds[1:])
    values = (np.concatenate([np.asarray(s, dtype=np.uint32).ravel() for s in shingle_sets]) if shingle_sets
              else np.zeros(0, dtype=np.uint32))
    return signatures_of_concatenated(values, bounds, config)


def signatures_of_concatenated(shingles: np.ndarray, offsets: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """:func:`build_signatures` of the sets ``shingles[offsets[i]:offsets[i + 1]]`` (uint32
    values, int64 offsets starting at 0): what a batch already holds, without a copy."""
    a, b = permutations(config.num_perm, config.seed)
    return _native_minhash_signatures(np.ascontiguousarray(shingles, dtype=np.uint32),
                                      np.ascontiguousarray(offsets, dtype=np.int64), a, b)
