"""Array helpers: the same answers as numpy's, faster."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from provenance.pipeline.arrays import in_sorted, unique_inverse, unique_sorted


@given(st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-3, 3), max_size=80), st.booleans())
def test_unique_sorted_is_numpys_unique(values, as_pairs):
    array = np.array(values, dtype=np.int64)
    if as_pairs:  # rows of pairs are flattened, as np.unique does
        array = array[: len(array) // 2 * 2].reshape(-1, 2)
    found = unique_sorted(array)
    assert found.dtype == np.int64 and found.tolist() == np.unique(array).tolist()


@given(st.lists(st.integers(-5, 5) | st.integers(0, 2**40), max_size=60))
def test_unique_inverse_is_numpys(values):
    array = np.array(values, dtype=np.int64)
    distinct, inverse = unique_inverse(array)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert distinct.tolist() == expected.tolist() and inverse.tolist() == expected_inverse.tolist()


@given(st.lists(st.integers(-5, 5), max_size=40), st.lists(st.integers(-6, 6), max_size=20))
def test_in_sorted_is_isin(values, wanted):
    array, sorted_wanted = np.array(values, dtype=np.int64), np.unique(np.array(wanted, dtype=np.int64))
    assert in_sorted(array, sorted_wanted).tolist() == np.isin(array, sorted_wanted).tolist()
