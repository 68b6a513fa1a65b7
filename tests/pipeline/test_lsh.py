"""Candidate pairs: all pairs in small buckets, bounded and chained in large ones, and the
same pairs whether units arrive in one batch or many."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import LSHConfig
from provenance.pipeline.lsh import Members, candidate_pairs, unique_pairs, wanted_positions


def _candidates(rows: list[tuple[int, int, int, int, int]], config: LSHConfig, first_new: int) -> np.ndarray:
    """Pairs of rows ``(band, key, unit, doc, content)``: every band's, as a scan unites them."""
    found = []
    for band in sorted({row[0] for row in rows}):
        columns = np.array([row[1:] for row in rows if row[0] == band], dtype=np.int64).reshape(-1, 4)
        pairs = candidate_pairs(Members(*columns.T), config, first_new)
        assert pairs.dtype == np.int64 and pairs.shape[1] == 2
        assert np.all(pairs[:, 0] < pairs[:, 1])
        assert list(map(tuple, pairs.tolist())) == sorted(set(map(tuple, pairs.tolist())))  # sorted, unique
        found.append(pairs)
    return unique_pairs(found)


def _pairs(pairs: np.ndarray) -> set[tuple[int, int]]:
    return set(map(tuple, pairs.tolist()))


def _incremental(rows, config, batch):
    """Pairs found batch by batch, each batch seeing only the stored tail a writer reads."""
    found: set[tuple[int, int]] = set()
    units = sorted({row[2] for row in rows})
    for start in range(0, len(units), batch):
        first, last = units[start], units[min(start + batch, len(units)) - 1]
        stored = [r for r in rows if r[2] < first]
        tails = []
        for (band, key), group in itertools.groupby(sorted(stored), key=lambda r: (r[0], r[1])):
            tails.extend(list(group)[-(config.max_bucket + 1):])
        new = [r for r in rows if first <= r[2] <= last]
        found |= _pairs(_candidates(tails + new, config, first))
    return found


def test_a_small_bucket_gives_all_pairs_across_documents():
    rows = [(0, 7, unit, unit // 2, unit) for unit in range(6)]  # units 0,1 in doc 0, ...
    pairs = _pairs(_candidates(rows, LSHConfig(), 0))
    assert pairs == {(a, b) for a in range(6) for b in range(a + 1, 6) if a // 2 != b // 2}


def test_only_pairs_with_new_units_are_returned():
    rows = [(0, 7, unit, unit, unit) for unit in range(5)]
    assert _pairs(_candidates(rows, LSHConfig(), 3)) == {(a, b) for b in (3, 4) for a in range(b)}


def test_copies_past_the_bucket_limit_chain_to_their_nearest_copy():
    config = LSHConfig(max_bucket=4)
    rows = [(1, 9, unit, unit, 42) for unit in range(20)]  # twenty identical units, one per doc
    pairs = _pairs(_candidates(rows, config, 0))
    head = {(a, b) for a in range(5) for b in range(a + 1, 5)}
    assert pairs == head | {(unit - 1, unit) for unit in range(5, 20)}


def test_distinct_units_past_the_limit_pair_with_their_window():
    config = LSHConfig(max_bucket=3)
    rows = [(0, 1, unit, unit, unit) for unit in range(8)]  # all different content
    pairs = _pairs(_candidates(rows, config, 0))
    assert pairs == {(a, b) for b in range(8) for a in range(max(0, b - 3), b)}


def test_batches_and_stored_tails_give_the_full_scan_pairs():
    config = LSHConfig(max_bucket=3)
    rows = []
    for unit in range(40):
        doc = unit // 2
        content = 5 if unit % 3 else unit  # many copies, some distinct units
        rows.append((0, 1, unit, doc, content))
        rows.append((1, unit % 4, unit, doc, content))
    full = _pairs(_candidates(rows, config, 0))
    for batch in (1, 3, 7, 40):
        assert _incremental(rows, config, batch) == full, batch


def test_a_unit_listed_twice_counts_once_and_one_document_never_pairs():
    rows = [(0, 7, 0, 0, 1), (0, 7, 1, 0, 2), (0, 7, 1, 0, 2), (0, 7, 2, 1, 3)]
    assert _pairs(_candidates(rows, LSHConfig(), 0)) == {(0, 2), (1, 2)}
    assert len(_candidates([(0, 7, 0, 0, 1), (0, 8, 1, 1, 1)], LSHConfig(), 0)) == 0  # no shared bucket


def test_unique_pairs_unites_bands():
    pairs = unique_pairs([np.array([[3, 4], [1, 2]]), np.array([[1, 2], [0, 9]]), np.zeros((0, 2), np.int64)])
    assert pairs.tolist() == [[0, 9], [1, 2], [3, 4]]
    assert unique_pairs([]).shape == (0, 2)


def _rule(rows: list[tuple[int, int, int]], limit: int, first_new: int) -> set[tuple[int, int]]:
    """The module docstring's rule, member by member: one bucket's rows ``(unit, doc, content)``."""
    members = sorted(set(rows))
    pairs = set()
    for pos, (unit, doc, content) in enumerate(members):
        if unit < first_new:
            continue
        earlier = members[max(0, pos - limit) : pos] if pos > limit else members[:pos]
        copy = next((other for other in reversed(members[:pos]) if other[2] == content and other[1] != doc), None)
        if pos > limit and copy is not None and pos - members.index(copy) <= limit:
            pairs.add((copy[0], unit))
        else:
            pairs |= {(other[0], unit) for other in earlier if other[1] != doc}
    return pairs


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 30)), max_size=40), st.integers(2, 5),
       st.integers(0, 31), st.integers(1, 4), st.integers(1, 3))
def test_pairs_follow_the_rule_member_by_member(keyed_units, limit, first_new, per_doc, contents):
    """Documents own consecutive unit ids (``per_doc`` each); content keys repeat."""
    rows = [(0, key, unit, unit // per_doc, unit % contents) for key, unit in keyed_units]
    expected = set()
    for key in {row[1] for row in rows}:
        expected |= _rule([row[2:] for row in rows if row[1] == key], limit, first_new)
    assert _pairs(_candidates(rows, LSHConfig(max_bucket=limit), first_new)) == expected


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.integers(-(1 << 63), (1 << 63) - 1) | st.integers(-5, 5), max_size=300),
       wanted=st.sets(st.integers(-(1 << 63), (1 << 63) - 1) | st.integers(-5, 5), max_size=40),
       seed=st.integers(0, 2**32 - 1))
def test_wanted_positions_are_the_live_members_of_wanted_buckets(keys, wanted, seed):
    """A band's stored members of the wanted buckets: live positions whose key is wanted,
    in order (the bit table's false positives never get through)."""
    array = np.asarray(keys, dtype=np.int64)
    live = np.random.default_rng(seed).random(len(keys)) < 0.8
    ordered = np.asarray(sorted(wanted), dtype=np.int64)
    expected = [i for i, key in enumerate(keys) if live[i] and key in wanted]
    assert wanted_positions(array, live, ordered).tolist() == expected


def test_wanted_positions_refuses_unsorted_wanted_keys():
    with pytest.raises(ValueError, match="sorted and unique"):
        wanted_positions(np.zeros(3, np.int64), np.ones(3, bool), np.asarray([3, 1], np.int64))
