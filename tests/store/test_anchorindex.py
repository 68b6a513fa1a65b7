"""Sorted anchor segments: a lookup finds exactly what reading every anchor run finds,
whatever the arrival batches, segments, their merges, partial indexing and the dead
units; a version 8 index (segments as two blobs) is converted to blocks
with the same lookups and report."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance import Index
from provenance.store import anchorindex, keyruns
from provenance.store.schema import SCHEMA_VERSION

#: One round: a batch (units, seed), then indexing (None, or the share of the batches not
#: covered yet that it covers) and maybe a deleted document (first unit, length).
rounds = st.lists(
    st.tuples(st.integers(1, 12), st.integers(0, 2**16), st.sampled_from([None, 0.0, 0.5, 1.0]),
              st.none() | st.tuples(st.integers(0, 40), st.integers(1, 6))),
    min_size=1, max_size=10,
)


@pytest.fixture
def index(tmp_path, monkeypatch):
    yield from small_segments_index(tmp_path, monkeypatch)


def small_segments_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    """An index with tiny blocks and segments, so lookups cross block edges and segments merge."""
    monkeypatch.setattr(anchorindex, "BLOCK", 4)
    monkeypatch.setattr(anchorindex, "MAX_SEGMENT", 64)
    monkeypatch.setattr(anchorindex, "_MAX_SPAN", 40)
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
    """What a scan's matching does: the live anchors of the units not covered, below ``through``."""
    with index.transaction(findings_current=None) as db:
        values, units = anchorindex.unindexed(db, keyruns.dead_ranges(db))
        covered = units < through
        anchorindex.add_sorted(db, *anchorindex.sort_entries(values[covered], units[covered]), through=through)


def _assert_lookups_are_brute(index: Index, wanted_sets: list[np.ndarray]) -> None:
    values, units = _brute(index)
    for wanted in wanted_sets:
        found = anchorindex.holders(index.connection, wanted)
        keep = np.isin(values, wanted)
        assert found[0].tolist() == values[keep].tolist()
        assert found[1].tolist() == units[keep].tolist()
        counts = anchorindex.anchor_counts(index.connection, wanted)
        assert counts == {int(v): int((values == v).sum()) for v in wanted}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=rounds, data=st.data())
def test_lookups_across_batches_deletions_and_merges_are_those_of_reading_every_run(monkeypatch, plan, data):
    monkeypatch.setattr(anchorindex, "BLOCK", 3)
    monkeypatch.setattr(anchorindex, "MAX_SEGMENT", 24)
    monkeypatch.setattr(anchorindex, "_MAX_SPAN", 30)  # segments split by unit range too
    with tempfile.TemporaryDirectory() as folder, Index.open(Path(folder) / "index.sqlite") as index:
        stop = 1
        for count, seed, share, deleted in plan:
            _batch(index, stop, count, np.random.default_rng(seed), vocabulary=15)
            stop += count
            covered = anchorindex.indexed_through(index.connection)
            ends = [run.stop_unit for run in keyruns.runs(index.connection) if run.stop_unit > covered]
            if share is not None and ends:  # through the end of a batch, as matched_through always is
                _index_through(index, ends[int(share * (len(ends) - 1))])
            if deleted and deleted[0] + 1 < stop:
                dead = (deleted[0] + 1, min(stop, deleted[0] + 1 + deleted[1]))  # a deleted document: disjoint ranges
                with index.transaction(findings_current=None) as db:
                    if not db.execute("SELECT 1 FROM dead_units WHERE first < ? AND stop > ?", (dead[1], dead[0])).fetchone():
                        db.execute("INSERT INTO dead_units (first, stop) VALUES (?, ?)", dead)
        assert anchorindex.problems(index.connection) == []
        _assert_unindexed_sorted_is_unindexed_then_sorted(index)
        everything = np.unique(keyruns.read_anchors(index.connection)[0])
        picked = data.draw(st.lists(st.sampled_from(everything.tolist()), unique=True)) if len(everything) else []
        _assert_lookups_are_brute(index, [everything, np.unique(np.array(picked, np.int64)),
                                          np.array([-(2**63), -100_000, 5, 2**62], np.int64)])


def _assert_unindexed_sorted_is_unindexed_then_sorted(index: Index) -> None:
    dead = keyruns.dead_ranges(index.connection)
    values, units = anchorindex.unindexed_sorted(index.connection, dead)
    expected = anchorindex.sort_entries(*anchorindex.unindexed(index.connection, dead))
    assert values.tolist() == expected[0].tolist() and units.tolist() == expected[1].tolist()


def test_anchors_wider_than_32_bits_are_sorted_the_general_way(index):
    rng = np.random.default_rng(5)
    _batch(index, 1, 6, rng)
    with index.transaction(findings_current=None) as db:  # a run holding an anchor of 2**40
        keyruns.append_run(db, 7, np.zeros((2, 1), np.int64), np.array([9, 9]), np.array([9, 9]))
        keyruns.append_anchors(db, 7, 2, np.array([2**40, 5], np.int64), np.array([7, 8], np.int64))
    values, _ = anchorindex.unindexed_sorted(index.connection, keyruns.dead_ranges(index.connection))
    assert values.dtype == np.int64 and values[-1] == 2**40
    _assert_unindexed_sorted_is_unindexed_then_sorted(index)


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


def _downgrade_to_v8(path: Path) -> None:
    """Rewrite the anchor segments as version 8 stored them: two ``int64`` blobs each, a
    fence every 512th anchor, in the same order."""
    with Index.open(path) as index:
        store = anchorindex._store()
        rows = [(first, stop, size, *store.read_all(index.connection, rowid)) for rowid, first, stop, size in
                index.connection.execute("SELECT id, first_unit, stop_unit, size FROM anchor_segments ORDER BY id")]
    with closing(sqlite3.connect(path)) as db, db:  # closed: no -wal left waiting
        db.execute("DROP TABLE anchor_segments")
        db.execute("DROP TABLE anchor_blocks")
        db.execute("CREATE TABLE anchor_segments (id INTEGER PRIMARY KEY, first_unit INTEGER NOT NULL, stop_unit INTEGER "
                   "NOT NULL, size INTEGER NOT NULL, fences BLOB NOT NULL, anchors BLOB NOT NULL, units BLOB NOT NULL)")
        db.executemany("INSERT INTO anchor_segments (first_unit, stop_unit, size, fences, anchors, units) VALUES (?, ?, ?, ?, ?, ?)",
                       [(first, stop, size, values[::512].astype("<i8").tobytes(), values.astype("<i8").tobytes(),
                         units.astype("<i8").tobytes()) for first, stop, size, values, units in rows])
        db.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")


def test_a_version_8_index_is_converted_to_blocks_with_the_same_lookups_and_report(seeds_dir, later_seeds, tmp_path,
                                                                                  monkeypatch):
    from provenance import ScanOptions, scan
    from provenance.report.render import render_report

    monkeypatch.setattr(anchorindex, "MAX_SEGMENT", 500)  # several segments to convert, in merge order
    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        scan([seeds_dir, later_seeds], index, ScanOptions(workers=1))
        before = render_report(index, "json")
        segments = index.connection.execute("SELECT first_unit, stop_unit, size FROM anchor_segments ORDER BY id").fetchall()
        wanted = np.unique(keyruns.read_anchors(index.connection)[0])
        found = anchorindex.holders(index.connection, wanted)
    assert len(segments) > 2
    _downgrade_to_v8(path)
    with Index.open(path) as index:
        db = index.connection
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert db.execute("SELECT first_unit, stop_unit, size FROM anchor_segments ORDER BY id").fetchall() == segments
        assert anchorindex.problems(db) == []
        assert db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'anchor_segments_%'").fetchall() == []
        converted = anchorindex.holders(db, wanted)
        assert converted[0].tolist() == found[0].tolist() and converted[1].tolist() == found[1].tolist()
        _assert_lookups_are_brute(index, [wanted, wanted[::5]])
        assert render_report(index, "json") == before
        scan([seeds_dir, later_seeds], index, ScanOptions(workers=1))  # nothing new: the converted segments serve as they are
        assert db.execute("SELECT first_unit, stop_unit, size FROM anchor_segments ORDER BY id").fetchall() == segments
        assert render_report(index, "json") == before


def _segment_rows(db: sqlite3.Connection) -> list[list[tuple]]:
    return [db.execute("SELECT * FROM anchor_segments ORDER BY id").fetchall(),
            db.execute("SELECT * FROM anchor_blocks ORDER BY id").fetchall(),
            db.execute("SELECT value FROM meta WHERE key = 'anchors_indexed_through'").fetchall()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(0, 150), cuts=st.lists(st.integers(0, 150), max_size=6), seed=st.integers(0, 2**16),
       dead=st.lists(st.tuples(st.integers(1, 60), st.integers(1, 5)), max_size=3))
def test_anchors_added_in_chunks_make_the_segments_one_addition_makes(monkeypatch, count, cuts, seed, dead):
    monkeypatch.setattr(anchorindex, "BLOCK", 3)
    monkeypatch.setattr(anchorindex, "MAX_SEGMENT", 16)
    monkeypatch.setattr(anchorindex, "_MAX_SPAN", 1 << 20)
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 30, size=count, dtype=np.int64)
    units = rng.integers(1, 60, size=count, dtype=np.int64)
    values, units = anchorindex.sort_entries(values, units)
    bounds = [0, *sorted(min(cut, count) for cut in cuts), count]
    chunks = [(values[a:b], units[a:b]) for a, b in itertools.pairwise(bounds)]
    dead_rows = sorted({(first, first + length) for first, length in dead})
    dead_rows = [row for i, row in enumerate(dead_rows) if not any(other[0] < row[1] and row[0] < other[1]
                                                                    for other in dead_rows[:i])]
    found = []
    with tempfile.TemporaryDirectory() as folder:
        for name, add in (("whole", lambda db: anchorindex.add_sorted(db, values, units, through=60)),
                          ("chunks", lambda db: anchorindex.add_sorted_chunks(db, chunks, through=60))):
            with Index.open(Path(folder) / f"{name}.sqlite") as index, index.transaction(findings_current=None) as db:
                db.executemany("INSERT INTO dead_units (first, stop) VALUES (?, ?)", dead_rows)
                add(db)
                found.append(_segment_rows(db))
    assert found[0] == found[1]


@pytest.mark.parametrize("threshold", [0, 1, 1 << 30])
def test_parked_entries_come_back_in_order_from_memory_or_a_file(monkeypatch, tmp_path, threshold):
    monkeypatch.setattr(anchorindex, "PARK_ENTRIES", threshold)
    rng = np.random.default_rng(3)
    values, units = anchorindex.sort_entries(rng.integers(-(2**62), 2**62, 1000), rng.integers(0, 2**40, 1000))
    expected = (values.copy(), units.copy())
    with anchorindex.Parked((values, units), tmp_path) as parked:
        del values, units
        for size in (1, 7, 1000, 5000):
            parts = list(parked.chunks(size))
            assert np.concatenate([p[0] for p in parts]).tolist() == expected[0].tolist()
            assert np.concatenate([p[1] for p in parts]).tolist() == expected[1].tolist()
            if threshold <= 1000:
                assert [len(p[0]) for p in parts] == [min(size, 1000 - at) for at in range(0, 1000, size)]
    assert list(tmp_path.iterdir()) == []  # an unnamed file: nothing left behind


def test_parking_beside_a_read_only_index_uses_the_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(anchorindex, "PARK_ENTRIES", 0)
    missing = tmp_path / "no-such-folder"  # as unwritable as a read-only one
    entries = (np.arange(10, dtype=np.int64), np.arange(10, dtype=np.int64) * 3)
    with anchorindex.Parked(entries, missing) as parked:
        [(values, units)] = parked.chunks(100)
    assert values.tolist() == list(range(10)) and units.tolist() == [3 * i for i in range(10)]


@settings(max_examples=80, deadline=None)
@given(entries=st.lists(st.tuples(st.integers(0, 2**32 - 1) | st.integers(-(2**63), 2**63 - 1),
                                  st.integers(0, 2**32 - 1) | st.integers(0, 2**40)), max_size=60),
       narrow=st.booleans(), ascending=st.booleans())
def test_entries_sort_by_anchor_then_unit_whatever_their_range(entries, narrow, ascending):
    if narrow:  # what scans hold: 32-bit anchors, unit ids below 2**32
        entries = [(value % 2**32, unit % 2**32) for value, unit in entries]
    if ascending:  # as read from the runs, in unit order
        entries = sorted(entries, key=lambda entry: entry[1])
    values = np.array([value for value, _ in entries], dtype=np.int64)
    units = np.array([unit for _, unit in entries], dtype=np.int64)
    sorted_values, sorted_units = anchorindex.sort_entries(values, units)
    assert sorted_values is values and sorted_units is units  # in place
    assert list(zip(values.tolist(), units.tolist(), strict=True)) == sorted(entries)
