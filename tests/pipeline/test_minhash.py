"""Our vectorised signatures must equal datasketch's, and so must LSH banding."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from provenance.config import MinHashConfig
from provenance.pipeline.lsh import band_keys, lsh_params
from provenance.pipeline.minhash import EMPTY_VALUE, build_signatures
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
