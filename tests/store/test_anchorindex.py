"""Sorted anchor segments: a lookup finds exactly what reading every anchor run finds,
whatever the segments, their merges and the dead units; the anchor pass built on it
proposes exactly the pairs of the full pass (the cap by unit id included)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from provenance import Index
from provenance.store import anchorindex, keyruns
from provenance.store.matching import _anchor_pass, _Columns


@pytest.fixture
def index(tmp_path, monkeypatch):
    # Tiny blocks and segments, so lookups cross block edges and segments merge.
    monkeypatch.setattr(anchorindex, "BLOCK", 4)
    monkeypatch.setattr(anchorindex, "MAX_SEGMENT", 64)
    with Index.open(tmp_path / "index.sqlite") as opened:
        yield opened


def _batch(index: Index, first_unit: int, count: int, rng: np.random.Generator, vocabulary: int = 40) -> None:
    """A batch of ``count`` units (two per document) holding anchors from a small
    vocabulary, so anchors recur across batches and some cross the cap."""
    units = np.repeat(np.arange(first_unit, first_unit + count, dtype=np.int64), 3)
    values = rng.integers(0, vocabulary, size=len(units), dtype=np.int64) * 7919 - 100_000
    docs = np.arange(first_unit, first_unit + count, dtype=np.int64) // 2
    with index.transaction(findings_current=None) as db:
        keyruns.append_run(db, first_unit, np.zeros((count, 1), np.int64), docs, docs)
        keyruns.append_anchors(db, first_unit, count, values, units)


def _brute(index: Index) -> tuple[np.ndarray, np.ndarray]:
    """Every live anchor entry, sorted, read the way the full pass always did."""
    values, units = keyruns.read_anchors(index.connection)
    values, units = anchorindex.live(values, units, keyruns.dead_ranges(index.connection))
    order = np.lexsort((units, values))
    return values[order], units[order]


def _index_through(index: Index, through: int) -> None:
    with index.transaction(findings_current=None) as db:
        values, units = anchorindex.unindexed(db, keyruns.dead_ranges(db))
        anchorindex.add_sorted(db, *anchorindex.sort_entries(values, units), through=through)


def test_holders_are_what_reading_every_run_finds(index):
    rng = np.random.default_rng(7)
    first = 1
    for round_ in range(12):
        _batch(index, first, 6, rng)
        first += 6
        if round_ % 3 != 2:  # some batches stay unindexed, as between a scan's writes and its matching
            _index_through(index, first)
        if round_ == 5:
            with index.transaction(findings_current=None) as db:
                db.execute("INSERT INTO dead_units (first, stop) VALUES (9, 14)")
    segments = index.connection.execute("SELECT COUNT(*), MAX(size) FROM anchor_segments").fetchone()
    assert segments[0] > 1 and segments[1] <= anchorindex.MAX_SEGMENT
    values, units = _brute(index)
    for wanted in (np.unique(values), np.unique(values)[::3], np.array([-100_000, 5, 10**9], np.int64)):
        found = anchorindex.holders(index.connection, wanted)
        keep = np.isin(values, wanted)
        assert found[0].tolist() == values[keep].tolist()
        assert found[1].tolist() == units[keep].tolist()
    counts = anchorindex.anchor_counts(index.connection, np.unique(values))
    assert counts == {int(v): int((values == v).sum()) for v in np.unique(values)}


def _reference_pairs(index: Index, first_new: int, max_units: int) -> set[tuple[int, int]]:
    """The anchor pass as it was: every anchor's first ``max_units`` live holders by unit id."""
    values, units = _brute(index)
    docs = {int(u): int(u) // 2 for u in units}
    pairs = set()
    for value in np.unique(values):
        holders = units[values == value][:max_units].tolist()
        pairs.update((a, b) for i, a in enumerate(holders) for b in holders[i + 1:]
                     if b >= first_new and docs[a] != docs[b])
    return pairs


@pytest.mark.parametrize("max_units", [2, 5, 50])
def test_the_anchor_pass_proposes_the_pairs_of_the_full_pass(index, max_units):
    rng = np.random.default_rng(max_units)
    first = 1
    for round_ in range(8):
        _batch(index, first, 8, rng, vocabulary=25)
        first_new, first = first, first + 8
        db = index.connection
        runs = keyruns.runs(db)
        dead = keyruns.dead_ranges(db)
        frame, fresh = _anchor_pass(db, dead, first_new, _Columns(db, runs), max_units)
        assert set(frame.select("a", "b").iter_rows()) == _reference_pairs(index, first_new, max_units)
        assert isinstance(frame, pl.DataFrame)
        with index.transaction(findings_current=None) as tx:
            anchorindex.add_sorted(tx, *fresh, through=first)
        if round_ == 3:
            with index.transaction(findings_current=None) as tx:
                tx.execute("INSERT INTO dead_units (first, stop) VALUES (3, 6)")
