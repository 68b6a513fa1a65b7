"""Candidate pairs: all pairs in small buckets, bounded and chained in large ones, and the
same pairs whether units arrive in one batch or many."""

from __future__ import annotations

import itertools

import polars as pl

from provenance.config import LSHConfig
from provenance.pipeline.lsh import MEMBER_SCHEMA, candidate_pairs


def _members(rows: list[tuple[int, int, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=MEMBER_SCHEMA, orient="row")


def _pairs(frame: pl.DataFrame) -> set[tuple[int, int]]:
    return set(frame.iter_rows())


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
        found |= _pairs(candidate_pairs(_members(tails + new), config, first))
    return found


def test_a_small_bucket_gives_all_pairs_across_documents():
    rows = [(0, 7, unit, unit // 2, unit) for unit in range(6)]  # units 0,1 in doc 0, ...
    pairs = _pairs(candidate_pairs(_members(rows), LSHConfig(), 0))
    assert pairs == {(a, b) for a in range(6) for b in range(a + 1, 6) if a // 2 != b // 2}


def test_only_pairs_with_new_units_are_returned():
    rows = [(0, 7, unit, unit, unit) for unit in range(5)]
    assert _pairs(candidate_pairs(_members(rows), LSHConfig(), 3)) == {(a, b) for b in (3, 4) for a in range(b)}


def test_copies_past_the_bucket_limit_chain_to_their_nearest_copy():
    config = LSHConfig(max_bucket=4)
    rows = [(1, 9, unit, unit, 42) for unit in range(20)]  # twenty identical units, one per doc
    pairs = _pairs(candidate_pairs(_members(rows), config, 0))
    head = {(a, b) for a in range(5) for b in range(a + 1, 5)}
    assert pairs == head | {(unit - 1, unit) for unit in range(5, 20)}


def test_distinct_units_past_the_limit_pair_with_their_window():
    config = LSHConfig(max_bucket=3)
    rows = [(0, 1, unit, unit, unit) for unit in range(8)]  # all different content
    pairs = _pairs(candidate_pairs(_members(rows), config, 0))
    assert pairs == {(a, b) for b in range(8) for a in range(max(0, b - 3), b)}


def test_batches_and_stored_tails_give_the_full_scan_pairs():
    config = LSHConfig(max_bucket=3)
    rows = []
    for unit in range(40):
        doc = unit // 2
        content = 5 if unit % 3 else unit  # many copies, some distinct units
        rows.append((0, 1, unit, doc, content))
        rows.append((1, unit % 4, unit, doc, content))
    full = _pairs(candidate_pairs(_members(rows), config, 0))
    for batch in (1, 3, 7, 40):
        assert _incremental(rows, config, batch) == full, batch
