"""Sorted band segments: a lookup finds exactly what reading every key run finds (the bit
table pass over the whole index), whatever the arrival batches, segment merges,
interrupted indexing, deletions and run compaction; a first scan sorts once per band;
a version 7 index gains its segments on the next scan with the same report."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance import Index
from provenance.store import bandindex, keyruns, segments
from provenance.store.matching import band_members
from provenance.store.schema import SCHEMA_VERSION

BANDS = 2

#: One step: ("batch", units, seed), ("index",), ("delete", first, length), ("compact",).
steps = st.lists(
    st.one_of(
        st.tuples(st.just("batch"), st.integers(1, 12), st.integers(0, 2**16)),
        st.tuples(st.just("index")),
        st.tuples(st.just("delete"), st.integers(0, 80), st.integers(1, 6)),
        st.tuples(st.just("compact")),
    ),
    min_size=1, max_size=14,
)


@pytest.fixture
def small_segments(monkeypatch):
    # Tiny blocks, segments and unit spans: lookups cross block edges, segments merge and split.
    monkeypatch.setattr(bandindex, "BLOCK", 3)
    monkeypatch.setattr(bandindex, "MAX_SEGMENT", 24)
    monkeypatch.setattr(bandindex, "_MAX_SPAN", 40)
    monkeypatch.setattr(keyruns, "MAX_RUNS", 3)


def _batch(index: Index, count: int, seed: int) -> None:
    first = int(index.meta_int("next_unit", 1))
    # Keys from a small pool, so buckets span batches, blocks and segments.
    keys = np.random.default_rng(seed).integers(0, 9, size=(count, BANDS), dtype=np.int64) * -(2**40) + 11
    docs = np.arange(first, first + count, dtype=np.int64) // 3
    with index.transaction(findings_current=None) as db:
        keyruns.append_run(db, first, keys, docs, docs * 7 + 1)
        # Their rows in ``units`` (what the columns are looked up by id in), documents first.
        db.executemany("INSERT OR IGNORE INTO documents (id, path, source, content_hash, text) VALUES (?, '', ?, '', x'')",
                       [(doc, f"s{doc}") for doc in np.unique(docs).tolist()])
        db.executemany("INSERT INTO units (id, doc_id, paragraph, kind, start, end, words, content_key, shingles) "
                       "VALUES (?, ?, 0, 'paragraph', 0, 1, 1, ?, x'')",
                       [(first + i, int(docs[i]), int(docs[i]) * 7 + 1) for i in range(count)])
        index.set_meta(db, "next_unit", first + count)


def _members(index: Index, first_new: int, band: int, indexed: bool,
             keep: int | None = None) -> list[tuple[int, int, int, int]]:
    db = index.connection
    runs = keyruns.runs(db)
    dead = keyruns.dead_ranges(db)
    masks = {run.rowid: keyruns.live_mask(run, dead) for run in runs}
    segments = bandindex.Lookup(db, dead) if indexed else None
    with keyruns.BandReader(db) as reader:
        members = band_members(reader, runs, masks, band, first_new, keyruns.UnitColumns(db, runs), segments, keep)
    rows = sorted(zip(*(column.tolist() for column in members), strict=True))
    assert len(rows) == len(set(rows))  # a member once, whether from segments or runs
    assert all(doc == unit // 3 and content == doc * 7 + 1 for _, unit, doc, content in rows)  # as _batch wrote them
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, data=st.data(), by_id=st.sampled_from([1, 10**6]), runs_share=st.sampled_from([0.5, 0.0]))
def test_band_members_from_segments_are_those_of_the_full_scan(small_segments, monkeypatch, plan, data, by_id, runs_share):
    monkeypatch.setattr(keyruns, "BY_ID_SHARE", by_id)  # columns looked up by id (1) or read from every run
    monkeypatch.setattr(bandindex, "RUNS_SHARE", runs_share)  # 0: many new keys, the runs are read instead
    with tempfile.TemporaryDirectory() as folder, Index.open(Path(folder) / "index.sqlite") as index:
        for step in plan:
            stop = int(index.meta_int("next_unit", 1))
            if step[0] == "batch":
                _batch(index, step[1], step[2])
            elif step[0] == "index" and bandindex.indexed_through(index.connection) < stop:
                with index.transaction(findings_current=None) as db:
                    bandindex.index_units(db, bandindex.indexed_through(db), stop, BANDS)
                    index.set_meta(db, "matched_through", stop)
            elif step[0] == "delete" and step[1] + 1 < stop:
                # A deleted document: a range of stored units, disjoint from earlier ones.
                dead = (step[1] + 1, min(stop, step[1] + 1 + step[2]))
                with index.transaction(findings_current=None) as db:
                    if not db.execute("SELECT 1 FROM dead_units WHERE first < ? AND stop > ?", (dead[1], dead[0])).fetchone():
                        db.execute("INSERT INTO dead_units (first, stop) VALUES (?, ?)", dead)
            elif step[0] == "compact":
                with index.transaction(findings_current=None) as db:
                    keyruns.compact(db, index.matched_through, BANDS)
        stop = int(index.meta_int("next_unit", 1))
        if stop <= 1:
            return
        covered = bandindex.indexed_through(index.connection)
        for first_new in {data.draw(st.integers(1, stop - 1)), max(1, covered), stop - 1}:
            for band in range(BANDS):
                every = _members(index, first_new, band, indexed=False)
                assert _members(index, first_new, band, indexed=True) == every
                # Kept: each bucket's last ``keep`` stored members (all candidate pairs read).
                for keep in (1, 2):
                    stored = [row for row in every if row[1] < first_new]
                    tails = [row for i, row in enumerate(stored)
                             if sum(1 for later in stored[i + 1 :] if later[0] == row[0]) < keep]
                    expected = sorted(tails + [row for row in every if row[1] >= first_new])
                    for indexed in (True, False):
                        assert _members(index, first_new, band, indexed, keep) == expected


def test_a_lookup_finds_every_live_entry_of_the_wanted_keys(small_segments, monkeypatch, tmp_path):
    monkeypatch.setattr(bandindex, "RUNS_SHARE", 2.0)  # never declined: every lookup answers
    with Index.open(tmp_path / "index.sqlite") as index:
        for seed in range(6):
            _batch(index, 10, seed)
            with index.transaction(findings_current=None) as db:
                stop = index.meta_int("next_unit", 1)
                bandindex.index_units(db, bandindex.indexed_through(db), stop, BANDS)
            if seed == 2:
                with index.transaction(findings_current=None) as db:
                    db.execute("INSERT INTO dead_units (first, stop) VALUES (4, 13)")
        db = index.connection
        segments = db.execute("SELECT COUNT(*), MAX(size) FROM band_segments WHERE band = 0").fetchone()
        assert segments[0] > 1 and segments[1] <= bandindex.MAX_SEGMENT
        dead = keyruns.dead_ranges(db)
        lookup = bandindex.Lookup(db, dead)
        runs = keyruns.runs(db)
        for band in range(BANDS):
            keys = np.concatenate([keyruns.read_band(db, run, band) for run in runs])
            units = np.concatenate([np.arange(run.first_unit, run.stop_unit) for run in runs])
            live = np.concatenate([keyruns.live_mask(run, dead) for run in runs])
            keys, units = keys[live], units[live]
            for wanted in (np.unique(keys), np.unique(keys)[::2], np.array([-5, 11, 2**50], np.int64)):
                for below in (30, 61):
                    found = lookup.members(band, wanted, below)
                    assert found is not None
                    got_keys, got_units = found
                    keep = np.isin(keys, wanted) & (units < below)
                    order = np.lexsort((units[keep], keys[keep]))
                    assert got_keys.tolist() == keys[keep][order].tolist()
                    assert got_units.tolist() == units[keep][order].tolist()
            monkeypatch.setattr(bandindex, "RUNS_SHARE", 0.5)  # every key wanted: every block, so the runs are cheaper
            assert lookup.members(band, np.unique(keys), 61) is None
            assert lookup.members(band, np.unique(keys)[:1], 61) is not None  # one key: a few blocks
            monkeypatch.setattr(bandindex, "RUNS_SHARE", 2.0)


@pytest.mark.parametrize("count", [0, 1, 5, 3000, 70_000])
def test_entries_sort_by_key_then_unit(count):
    """The segments' order: signed keys ascending (both extremes included), equal keys by
    unit, whatever order the entries come in and however skewed the keys."""
    rng = np.random.default_rng(count)
    keys = rng.integers(-(2**63), 2**63 - 1, size=count, dtype=np.int64)
    keys[: count // 3] = rng.choice([-(2**63), 2**63 - 1, 0, 7], size=count // 3)  # a third on four keys
    units = rng.permutation(count).astype(np.int64)
    sorted_keys, sorted_units = bandindex.sort_entries(keys, units)
    order = np.lexsort((units, keys))
    assert sorted_keys.tolist() == keys[order].tolist()
    assert sorted_units.tolist() == units[order].tolist()


def test_a_first_scan_sorts_each_band_once_and_later_scans_add_segments(run_cli, generated_corpus_150, tmp_path):
    articles = sorted(path for path in generated_corpus_150.rglob("*") if path.is_file())
    first, later = tmp_path / "first", tmp_path / "later"
    for folder, part in ((first, articles[:100]), (later, articles[100:])):
        folder.mkdir()
        for path in part:
            (folder / path.name).write_bytes(path.read_bytes())
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(first), "--index", str(index)).code in (0, 1)
    with sqlite3.connect(index) as db:
        per_band = db.execute("SELECT band, COUNT(*) FROM band_segments GROUP BY band").fetchall()
        num_bands = len(per_band)
        assert num_bands > 1 and all(count == 1 for _, count in per_band)  # one segment per band: no merges
        units = db.execute("SELECT SUM(stop - first) FROM doc_units").fetchone()[0]
        assert db.execute("SELECT SUM(size) FROM band_segments").fetchone()[0] == units * num_bands
    assert run_cli("scan", str(first), str(later), "--index", str(index)).code in (0, 1)
    with sqlite3.connect(index) as db:
        marks = dict(db.execute("SELECT key, value FROM meta"))
        assert marks["bands_indexed_through"] == marks["matched_through"]
        units = db.execute("SELECT SUM(stop - first) FROM doc_units").fetchone()[0]
        assert db.execute("SELECT SUM(size) FROM band_segments").fetchone()[0] == units * num_bands


def test_a_version_7_index_is_migrated_and_indexes_its_bands(seeds_dir, tmp_path):
    from provenance import ScanOptions, scan
    from provenance.report.render import render_report

    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        before = render_report(index, "json")
    with sqlite3.connect(path) as db:  # what version 7 had: no band segments, the keys before the runs' columns
        db.execute("DROP TABLE band_segments")
        db.execute("DROP TABLE band_blocks")
        db.execute("DELETE FROM meta WHERE key = 'bands_indexed_through'")
        db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
        runs = db.execute("SELECT * FROM key_runs ORDER BY id").fetchall()
        db.execute("DROP TABLE key_runs")
        db.execute("CREATE TABLE key_runs (id INTEGER PRIMARY KEY, first_unit INTEGER NOT NULL UNIQUE, stop_unit INTEGER "
                   "NOT NULL, bands INTEGER NOT NULL, keys BLOB NOT NULL, docs BLOB NOT NULL, contents BLOB NOT NULL)")
        db.executemany("INSERT INTO key_runs (id, first_unit, stop_unit, bands, docs, contents, keys) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       runs)
    with Index.open(path) as index:
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        order = [row[1] for row in index.connection.execute("PRAGMA table_info(key_runs)")]
        assert order[-1] == "keys"  # the runs' columns reordered: reading a run's document ids skips its keys
        assert index.connection.execute("SELECT * FROM key_runs ORDER BY id").fetchall() == runs
        assert bandindex.indexed_through(index.connection) == 0
        scan([seeds_dir], index, ScanOptions(workers=1))  # nothing new: the segments are built anyway
        assert bandindex.indexed_through(index.connection) == index.matched_through
        assert index.connection.execute("SELECT COUNT(*) FROM band_segments").fetchone()[0] > 0
        assert render_report(index, "json") == before


@pytest.mark.parametrize("older_schema", [False, True])  # a sandbox, or a scratch copy of a version 7 index
def test_a_throwaway_index_builds_no_segments(seeds_dir, later_seeds, tmp_path, older_schema):
    from provenance import ScanOptions, scan
    from provenance.workspace import scratch_index

    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
    if older_schema:
        with sqlite3.connect(path) as db:
            db.execute("DROP TABLE band_segments")
            db.execute("DROP TABLE band_blocks")
            db.execute("DELETE FROM meta WHERE key = 'bands_indexed_through'")
            db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with scratch_index(path) as scratch:
        before = bandindex.indexed_through(scratch.connection)
        assert scratch.sandboxed != older_schema
        scan([later_seeds], scratch, ScanOptions(workers=1))
        assert scratch.matched_through > before
        assert bandindex.indexed_through(scratch.connection) == before  # nothing built: thrown away


def test_filters_rule_out_keys_stored_nowhere_and_never_a_stored_one(monkeypatch, tmp_path):
    """Keys stored nowhere read almost no block once the filters rule them out (without
    them, nearly one block each), and stored keys are found as without filters: a filter
    never drops one."""
    monkeypatch.setattr(bandindex, "RUNS_SHARE", 2.0)
    read: list[int] = []
    original = bandindex.SegmentStore.read

    def counting(self, db, rowid, blocks, wanted):  # type: ignore[no-untyped-def]
        read.append(len(blocks))
        return original(self, db, rowid, blocks, wanted)

    monkeypatch.setattr(bandindex.SegmentStore, "read", counting)
    rng = np.random.default_rng(7)
    count = 60_000  # ~180 blocks a band
    keys = rng.integers(-(2**63), 2**63 - 1, size=(count, BANDS), dtype=np.int64)
    with _indexed(tmp_path / "index.sqlite", keys) as index:
        db = index.connection
        assert bandindex.problems(db) == []
        stored = np.unique(rng.choice(keys[:, 0], 300))
        absent = np.setdiff1d(np.unique(rng.integers(-(2**63), 2**63 - 1, 300, dtype=np.int64)), keys[:, 0])
        lookup = bandindex.Lookup(db, keyruns.dead_ranges(db))
        with_filters = [lookup.members(0, wanted, count + 1) for wanted in (stored, np.union1d(stored, absent))]
        read.clear()
        assert lookup.members(0, absent, count + 1)[0].size == 0  # type: ignore[index]
        assert sum(read) <= 15  # ~2 % of keys stored nowhere pass a filter
        with index.transaction(findings_current=None) as tx:
            tx.execute("DELETE FROM band_filters")
        read.clear()
        lookup.members(0, absent, count + 1)
        assert sum(read) > 100
        without = [lookup.members(0, wanted, count + 1) for wanted in (stored, np.union1d(stored, absent))]
        for found, expected in zip(with_filters, without, strict=True):
            assert found is not None and expected is not None and len(found[0]) >= len(stored)
            assert found[0].tolist() == expected[0].tolist() and found[1].tolist() == expected[1].tolist()


@pytest.mark.parametrize("gap", [0, 3, 10_000])
def test_a_filter_read_in_parts_rules_out_what_the_whole_filter_does(monkeypatch, tmp_path, gap):
    """A lookup of a few keys reads only the filter words they test (``trace`` of one
    article in filters of ~300k words), with the same answer as the whole filter gives,
    however the words it reads are grouped."""
    rng = np.random.default_rng(11)
    keys = rng.integers(-(2**63), 2**63 - 1, size=(40_000, BANDS), dtype=np.int64)  # 6,250 words a filter
    with _indexed(tmp_path / "index.sqlite", keys) as index:
        db = index.connection
        store = bandindex._store()
        (rowid,) = db.execute("SELECT id FROM band_segments WHERE band = 0").fetchone()
        stored = np.unique(rng.choice(keys[:, 0], 12))
        absent = np.setdiff1d(np.unique(rng.integers(-(2**63), 2**63 - 1, 400, dtype=np.int64)), keys[:, 0])
        wanted = np.union1d(stored, absent)
        monkeypatch.setattr(segments, "_SPARSE_FILTER", 1 << 20)  # always whole
        whole = store.may_hold(db, rowid, wanted)
        monkeypatch.setattr(segments, "_SPARSE_FILTER", 0)  # always in parts
        monkeypatch.setattr(segments, "_GAP_WORDS", gap)
        read: list[int] = []
        monkeypatch.setattr(segments, "_filter_words_read", _counting(segments._filter_words_read, read))
        parts = store.may_hold(db, rowid, wanted)
        assert parts.tolist() == whole.tolist()
        assert set(stored.tolist()) <= set(parts.tolist()) and len(parts) < len(stored) + 40
        assert 0 < read[0] < 6_250 * 8 * (0.9 if gap < 10_000 else 1.01)


@contextmanager
def _indexed(path: Path, keys: np.ndarray) -> Iterator[Index]:
    """An index of one key run of ``keys`` (units from 1), its bands in segments."""
    with Index.open(path) as index:
        with index.transaction(findings_current=None) as db:
            keyruns.append_run(db, 1, keys, np.zeros(len(keys), np.int64), np.zeros(len(keys), np.int64))
            bandindex.index_units(db, 1, len(keys) + 1, keys.shape[1])
        yield index


def _counting(read_words, read: list[int]):  # type: ignore[no-untyped-def]
    """``_filter_words_read`` that records how many bytes of the blob it read."""
    def counted(blob, count, keys):  # type: ignore[no-untyped-def]
        original = blob.read
        total = [0]

        class Counted:
            def seek(self, offset: int) -> None:
                blob.seek(offset)

            def read(self, length: int = -1) -> bytes:
                data = original(length)
                total[0] += len(data)
                return data

        words = read_words(Counted(), count, keys)
        read.append(total[0])
        return words
    return counted
