"""Array helpers: the same answers as numpy's, faster."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import _native
from provenance.pipeline.arrays import (
    compressed_rows,
    in_sorted,
    last_per_key,
    locality_order,
    unique_inverse,
    unique_sorted,
)


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


@given(st.lists(st.tuples(st.integers(0, 30) | st.integers(2**40, 2**40 + 3), st.integers(0, 30)), max_size=60))
def test_locality_order_is_a_permutation_that_depends_only_on_the_pairs(pairs):
    array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    order = locality_order(array)
    assert order.dtype == np.int64 and sorted(order.tolist()) == list(range(len(array)))
    assert locality_order(array.copy()).tolist() == order.tolist()


def _distinct_per_chunk(pairs: np.ndarray, order: np.ndarray, chunk: int) -> int:
    return sum(len(unique_sorted(pairs[order[start : start + chunk]])) for start in range(0, len(order), chunk))


def test_locality_order_puts_pairs_of_the_same_group_in_the_same_chunk():
    # 50 groups of 8 ids, every pair inside each group, ids interleaved across groups
    # and the pairs listed in id order: what verification's candidate pairs look like
    # (reprinted paragraphs), whose chunks would otherwise each read most of the ids.
    groups, size = 50, 8
    pairs = np.array(sorted((groups * i + g, groups * j + g) for g in range(groups)
                            for i in range(size) for j in range(i + 1, size)), dtype=np.int64)
    chunk = size * (size - 1) // 2 * 5  # five groups' pairs
    in_id_order = _distinct_per_chunk(pairs, np.arange(len(pairs)), chunk)
    nearby = _distinct_per_chunk(pairs, locality_order(pairs), chunk)
    assert nearby <= groups * size * 1.2 < in_id_order / 2


@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(0, 50)), max_size=60), st.integers(1, 4))
def test_last_per_key_keeps_each_keys_newest_entries(entries, keep):
    entries = sorted(entries)
    keys = np.array([key for key, _ in entries], dtype=np.int64)
    units = np.array([unit for _, unit in entries], dtype=np.int64)
    got_keys, got_units = last_per_key(keys, units, keep)
    expected = [entry for key in sorted(set(keys.tolist()))
                for entry in [e for e in entries if e[0] == key][-keep:]]
    assert list(zip(got_keys.tolist(), got_units.tolist(), strict=True)) == expected


def _reference_compressed(count: int, source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple:
    """The numpy computation the native compressed rows replaced (a stable lexsort)."""
    order = np.lexsort((target, source))
    source, target, weights = source[order], target[order], weights[order]
    keep = np.ones(len(source), dtype=bool)
    keep[1:] = (source[1:] != source[:-1]) | (target[1:] != target[:-1])
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(source[keep], minlength=count), out=ptr[1:])
    return ptr, target[keep], weights[keep]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12).flatmap(lambda count: st.tuples(
    st.just(count), st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1), st.integers(0, 9)),
                             max_size=40))))
def test_compressed_rows_equal_a_stable_sort_keeping_each_edge_first_met(drawn):
    count, edges = drawn
    source, target, weights = (np.asarray([edge[k] for edge in edges], dtype=np.int64) for k in range(3))
    found, expected = compressed_rows(count, source, target, weights), _reference_compressed(count, source, target, weights)
    assert all(np.array_equal(a, b) and a.dtype == np.int64 for a, b in zip(found, expected, strict=True))


def test_compressed_rows_refuse_a_node_outside_the_graph():
    with pytest.raises(ValueError, match="not below 2"):
        _native.compressed_rows(2, np.asarray([0], np.int64), np.asarray([5], np.int64), np.asarray([1], np.int64))
