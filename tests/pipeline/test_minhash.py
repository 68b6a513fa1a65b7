"""Our vectorised signatures must equal datasketch's, and so must LSH banding."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import _native
from provenance.config import MinHashConfig
from provenance.pipeline.lsh import band_keys, lsh_params
from provenance.pipeline.minhash import EMPTY_VALUE, build_signatures, permutations
from provenance.pipeline.normalise import normalise_text
from provenance.pipeline.shingle import shingle_hash32, shingle_hashes, word_hashes

WORDS = normalise_text(
    "Russia has far less influence or leverage with North Korea than China does, and that's not because "
    "of the military stuff, it's purely because of money, said Bruce Bechtol, a professor."
).split()


def _datasketch(words: list[str], size: int, num_perm: int, seed: int) -> np.ndarray:
    sketch = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda data: shingle_hash32(data.decode().split(" ")))
    for i in range(max(1, len(words) - size + 1)):
        sketch.update(" ".join(words[i : i + size]).encode())
    assert sketch.scheme == "affine32"
    return sketch.hashvalues


@pytest.mark.parametrize(("num_perm", "seed", "size"), [(128, 1, 3), (64, 7, 5), (256, 42, 2)])
def test_signatures_equal_datasketch(num_perm, seed, size):
    sets = [np.unique(shingle_hashes(word_hashes(WORDS[i:]), size)) for i in (0, 5, 17)]
    ours = build_signatures(sets, MinHashConfig(num_perm=num_perm, seed=seed))
    for row, start in zip(ours, (0, 5, 17), strict=True):
        assert np.array_equal(row, _datasketch(WORDS[start:], size, num_perm, seed))


def test_shingle_hash_function_is_the_vectorised_one():
    hashes = shingle_hashes(word_hashes(WORDS), 3)
    assert [int(h) for h in hashes] == [shingle_hash32(WORDS[i : i + 3]) for i in range(len(WORDS) - 2)]


def test_empty_units_get_the_empty_signature_not_a_neighbours():
    sets = [np.unique(shingle_hashes(word_hashes(WORDS), 3)), np.zeros(0, np.uint32), np.array([7], np.uint32)]
    signatures = build_signatures(sets, MinHashConfig())
    assert (signatures[1] == EMPTY_VALUE).all()
    assert not (signatures[2] == signatures[0]).all()


def test_many_units_across_chunks_match_one_by_one():
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**32, size=int(n), dtype=np.uint32)) for n in rng.integers(0, 3000, size=60)]
    together = build_signatures(sets, MinHashConfig())
    for i, shingles in enumerate(sets):
        assert np.array_equal(together[i], build_signatures([shingles], MinHashConfig())[0])


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.3, 128), (0.5, 128), (0.8, 64)])
def test_bands_and_rows_are_derived_like_datasketch(threshold, num_perm):
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert lsh_params(threshold, num_perm) == (lsh.b, lsh.r)


def test_equal_bands_give_equal_keys_and_different_bands_differ():
    signatures = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 6, 3, 4]], dtype=np.uint32)
    keys = band_keys(signatures, 2, 2)
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] == keys[2, 1]
    assert keys[0, 1] != keys[1, 1] and keys[0, 0] != keys[2, 0]


def test_precomputed_bands_and_rows_equal_datasketch():
    from datasketch.lsh import _optimal_param

    from provenance.config import KNOWN_PARAMS

    for (threshold, num_perm, fp_weight, fn_weight), expected in KNOWN_PARAMS.items():
        assert _optimal_param(threshold, num_perm, fp_weight, fn_weight) == expected


@settings(max_examples=40)
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=12), max_size=8), st.integers(1, 4))
def test_shingle_sets_of_a_batch_equal_each_passage_alone(passages, size):
    bounds = np.cumsum([0] + [len(words) for words in passages]).astype(np.int64)
    hashes = np.array([h for words in passages for h in words], dtype=np.uint64)
    sets, offsets = _native.shingle_sets(hashes, bounds, size)
    assert offsets.dtype == np.int64 and len(offsets) == len(passages) + 1
    for i, words in enumerate(passages):
        alone = np.unique(shingle_hashes(np.array(words, dtype=np.uint64), size))
        assert sets[offsets[i] : offsets[i + 1]].tolist() == alone.tolist()


def test_one_thread_signs_as_all_cores_do():
    hashes = word_hashes((WORDS * 40)[:500])
    bounds = np.arange(0, 501, 25, dtype=np.int64)
    one = _native.shingle_sets(hashes, bounds, 3, threads=1)
    assert all(np.array_equal(x, y) for x, y in zip(one, _native.shingle_sets(hashes, bounds, 3), strict=True))
    a, b = permutations(128, 1)
    assert np.array_equal(_native.minhash_signatures(*one, a, b, threads=1), _native.minhash_signatures(*one, a, b))
    with pytest.raises(ValueError, match="threads must be at least 1"):
        _native.shingle_sets(hashes, bounds, 3, threads=-1)
