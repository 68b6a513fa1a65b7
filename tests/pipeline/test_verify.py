"""Batch verification equals pairwise exact Jaccard, whatever the chunking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import VerifyConfig
from provenance.pipeline import verify
from provenance.pipeline.verify import (
    ShingleTable,
    jaccard,
    shared_count,
    shared_counts,
    verify_pairs,
)

sets_strategy = st.lists(st.sets(st.integers(0, 40), max_size=30), min_size=2, max_size=12)


def _table(sets: list[set[int]], first_id: int = 100) -> ShingleTable:
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    return ShingleTable.from_sets(list(range(first_id + len(sets) - 1, first_id - 1, -1)), arrays[::-1])


@settings(max_examples=60, deadline=None)
@given(sets=sets_strategy, chunk=st.sampled_from([1, 7, 1 << 22]))
def test_shared_counts_equal_pairwise_intersections(sets, chunk):
    table = _table(sets)
    rows = np.array([(i, j) for i in range(len(sets)) for j in range(len(sets))], dtype=np.int64)
    old, verify._CHUNK_VALUES = verify._CHUNK_VALUES, chunk
    try:
        got = shared_counts(table, rows[:, 0], rows[:, 1])
    finally:
        verify._CHUNK_VALUES = old
    expected = [len(set(table.values[table.offsets[i]:table.offsets[i + 1]]) &
                     set(table.values[table.offsets[j]:table.offsets[j + 1]])) for i, j in rows]
    assert got.tolist() == expected


@settings(max_examples=40, deadline=None)
@given(sets=sets_strategy)
def test_verified_similarity_is_the_scalar_jaccard_bit_for_bit(sets):
    table = _table(sets)
    ids = table.ids
    a, b = np.meshgrid(ids, ids)
    keep = a < b
    config = VerifyConfig(min_similarity=0.2, min_shared_shingles=2)
    result = verify_pairs(a[keep], b[keep], table, config)
    expected = {}
    for x, y in zip(a[keep].tolist(), b[keep].tolist()):
        left, right = table.get(x), table.get(y)
        shared = shared_count(left, right)
        if shared >= 2 and jaccard(left, right) >= 0.2:
            expected[(x, y)] = (jaccard(left, right), shared)
    assert {(x, y): (s, n) for x, y, s, n in result.rows()} == expected


def test_tables_append_in_id_order_and_refuse_otherwise():
    low = ShingleTable.from_sets([1, 2], [np.array([1, 2], np.uint32), np.array([3], np.uint32)])
    high = ShingleTable.from_sets([5], [np.array([9, 10, 11], np.uint32)])
    both = ShingleTable.concat([low, high])
    assert both.get(5).tolist() == [9, 10, 11] and both.get(2).tolist() == [3]
    with pytest.raises(ValueError, match="ascending id order"):
        ShingleTable.concat([high, low])
    with pytest.raises(KeyError, match="unit 4"):
        both.positions(np.array([4]))
