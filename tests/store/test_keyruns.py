"""Band keys and anchors as append-only runs: what is appended is read back, dead units
are masked, and merging runs never changes a lookup."""

from __future__ import annotations

import sqlite3
import tracemalloc

import numpy as np
import pytest

from provenance import Index
from provenance.store import anchorindex, keyruns

BANDS = 3


@pytest.fixture
def index(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as opened:
        yield opened


def _append(index: Index, first_unit: int, count: int, seed: int) -> np.ndarray:
    keys = np.random.default_rng(seed).integers(-(2**62), 2**62, size=(count, BANDS), dtype=np.int64)
    docs = np.arange(first_unit, first_unit + count, dtype=np.int64) // 2
    with index.transaction(findings_current=None) as db:
        keyruns.append_run(db, first_unit, keys, docs, docs * 10)
    return keys


def test_a_run_reads_back_by_band_and_by_sub_range(index):
    keys = _append(index, 5, 7, seed=1)
    [run] = keyruns.runs(index.connection)
    assert (run.first_unit, run.stop_unit, run.size) == (5, 12, 7)
    for band in range(BANDS):
        assert keyruns.read_band(index.connection, run, band).tolist() == keys[:, band].tolist()
    assert keyruns.read_band(index.connection, run, 1, range(8, 10)).tolist() == keys[3:5, 1].tolist()
    docs, contents = keyruns.read_columns(index.connection, run)
    assert docs.tolist() == [2, 3, 3, 4, 4, 5, 5] and contents.tolist() == [20, 30, 30, 40, 40, 50, 50]


def test_a_batch_too_large_for_one_row_is_stored_as_several(index, monkeypatch):
    monkeypatch.setattr(keyruns, "MAX_RUN_BYTES", 8 * (BANDS + 2) * 4 + 64)  # 4 units' keys, 8 anchors a row
    keys = _append(index, 5, 10, seed=3)
    runs = keyruns.runs(index.connection)
    assert [(run.first_unit, run.stop_unit) for run in runs] == [(5, 9), (9, 13), (13, 15)]
    for band in range(BANDS):
        assert np.concatenate([keyruns.read_band(index.connection, run, band) for run in runs]).tolist() == keys[:, band].tolist()
    units = np.repeat(np.arange(5, 15, dtype=np.int64), 3)  # three anchors a unit
    values = np.arange(len(units), dtype=np.int64) * 7
    with index.transaction(findings_current=None) as db:
        keyruns.append_anchors(db, 5, 10, values, units)
        rows = db.execute("SELECT first_unit, stop_unit, length(anchors) / 8 FROM anchor_runs ORDER BY first_unit").fetchall()
    assert len(rows) > 1 and max(count for _, _, count in rows) <= 8
    assert [(low, high) for low, high, _ in rows] == list(zip([5, *[r[1] for r in rows[:-1]]], [r[1] for r in rows]))
    assert rows[-1][1] == 15
    read_values, read_units = keyruns.read_anchors(index.connection)
    assert read_values.tolist() == values.tolist() and read_units.tolist() == units.tolist()


def test_a_batch_without_units_writes_no_run(index):
    _append(index, 1, 0, seed=2)
    with index.transaction(findings_current=None) as db:
        keyruns.append_anchors(db, 1, 0, np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert keyruns.runs(index.connection) == []
    assert [len(array) for array in keyruns.read_anchors(index.connection)] == [0, 0]


def test_live_mask_hides_exactly_the_dead_ranges():
    run = keyruns.Run(rowid=1, first_unit=10, stop_unit=20)
    dead = (np.array([3, 12, 18], np.int64), np.array([11, 14, 25], np.int64))
    assert np.flatnonzero(~keyruns.live_mask(run, dead)).tolist() == [0, 2, 3, 8, 9]
    assert keyruns.live_mask(run, (np.zeros(0, np.int64), np.zeros(0, np.int64))).all()


def test_compacting_merges_small_matched_runs_without_changing_a_lookup(index, monkeypatch):
    monkeypatch.setattr(keyruns, "MAX_RUNS", 16)
    sizes = [3] * (keyruns.MAX_RUNS + 2)
    starts = np.cumsum([1, *sizes[:-1]])
    keys = np.concatenate([_append(index, int(start), size, seed=i) for i, (start, size) in enumerate(zip(starts, sizes))])
    stop = int(starts[-1]) + sizes[-1]
    with index.transaction(findings_current=None) as db:
        assert keyruns.compact(db, stop, BANDS) > 0
    merged = keyruns.runs(index.connection)
    assert len(merged) < len(sizes)
    assert merged[0].first_unit == 1 and merged[-1].stop_unit == stop
    for band in range(BANDS):
        read = np.concatenate([keyruns.read_band(index.connection, run, band) for run in merged])
        assert read.tolist() == keys[:, band].tolist()


@pytest.mark.parametrize("bound", ["MAX_RUN_BYTES", "the connection's length limit"])
def test_merged_runs_stay_within_the_largest_blob(index, monkeypatch, bound):
    # 40 runs of 5 units: total / TARGET_RUNS would merge them 5 at a time, where the
    # bound allows rows of 12 units: merged runs hold 10.
    monkeypatch.setattr(keyruns, "MAX_RUNS", 16)
    largest = 8 * (BANDS + 2) * 12 + 64  # a unit's keys, article and content key, and a row header
    if bound == "MAX_RUN_BYTES":
        monkeypatch.setattr(keyruns, "MAX_RUN_BYTES", largest)
    else:
        index.connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, largest)
    keys = np.concatenate([_append(index, 1 + 5 * i, 5, seed=i) for i in range(40)])
    with index.transaction(findings_current=None) as db:
        assert keyruns.compact(db, 201, BANDS) == 40
    merged = keyruns.runs(index.connection)
    assert [run.size for run in merged] == [10] * 20
    for band in range(BANDS):
        read = np.concatenate([keyruns.read_band(index.connection, run, band) for run in merged])
        assert read.tolist() == keys[:, band].tolist()
    docs = np.concatenate([keyruns.read_columns(index.connection, run)[0] for run in merged])
    assert docs.tolist() == (np.arange(1, 201) // 2).tolist()


def test_a_merge_holds_the_merged_keys_once(tmp_path, monkeypatch):
    # 37 bands of 40k units: 11.8 MB of keys, merged into one run (SQLite's own copy as it
    # writes the row is not Python's to trace).
    monkeypatch.setattr(keyruns, "MAX_RUNS", 16)
    monkeypatch.setattr(keyruns, "TARGET_RUNS", 1)
    bands, size = 37, 1000
    rng = np.random.default_rng(7)
    with Index.open(tmp_path / "index.sqlite") as index:
        with index.transaction(findings_current=None) as db:
            for i in range(40):
                units = np.arange(1 + size * i, 1 + size * (i + 1), dtype=np.int64)
                keyruns.append_run(db, int(units[0]), rng.integers(0, 2**62, size=(size, bands), dtype=np.int64),
                                   units, units)
        tracemalloc.start()
        try:
            with index.transaction(findings_current=None) as db:
                assert keyruns.compact(db, 1 + 40 * size, bands) == 40
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        [run] = keyruns.runs(index.connection)
        assert (run.first_unit, run.stop_unit) == (1, 1 + 40 * size)
    assert peak < 1.5 * 8 * bands * 40 * size


def test_compacting_leaves_runs_not_yet_matched_alone(index, monkeypatch):
    monkeypatch.setattr(keyruns, "MAX_RUNS", 16)
    for i in range(keyruns.MAX_RUNS + 2):
        _append(index, 1 + 3 * i, 3, seed=i)
    with index.transaction(findings_current=None) as db:
        assert keyruns.compact(db, 1, BANDS) == 0  # nothing matched yet
    assert len(keyruns.runs(index.connection)) == keyruns.MAX_RUNS + 2


def test_anchor_counts_count_live_paragraphs_only(index):
    with index.transaction(findings_current=None) as db:
        keyruns.append_anchors(db, 1, 3, np.array([7, 8, 7], np.int64), np.array([1, 2, 3], np.int64))
        keyruns.append_anchors(db, 4, 2, np.array([7, 9], np.int64), np.array([4, 5], np.int64))
        db.execute("INSERT INTO dead_units (first, stop) VALUES (3, 5)")  # units 3 and 4 were deleted
    values, units = keyruns.read_anchors(index.connection)
    assert values.tolist() == [7, 8, 7, 7, 9] and units.tolist() == [1, 2, 3, 4, 5]
    assert anchorindex.anchor_counts(index.connection, np.array([7, 8, 9, 10], np.int64)) == {7: 1, 8: 1, 9: 1, 10: 0}


@pytest.mark.parametrize("by_id", [1, 10_000], ids=["by-offset", "whole-columns"])
def test_unit_columns_give_each_units_article_and_content_across_runs_and_calls(index, monkeypatch, by_id):
    monkeypatch.setattr(keyruns, "BY_ID_SHARE", by_id)  # 1: units read by offset (up to all 95)
    for first, count in ((0, 40), (40, 25), (65, 30)):
        _append(index, first, count, seed=first)
    runs = keyruns.runs(index.connection)
    rng = np.random.default_rng(7)
    with keyruns.UnitColumns(index.connection, runs) as columns:
        for _ in range(6):  # later calls meet units already read and units of runs read before
            units = rng.integers(0, 95, size=9)
            docs, contents = columns.lookup(units)
            assert docs.tolist() == (units // 2).tolist() and contents.tolist() == (units // 2 * 10).tolist()
