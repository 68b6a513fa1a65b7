"""The candidate stage over key runs: resumable, order-independent, compacted, deletion-safe."""

from __future__ import annotations

import itertools
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from provenance import Index
from provenance.config import Config
from provenance.store import keyruns
from provenance.store.health import check_consistency
from provenance.store.unfinished import pending_units


def _report(run_cli, index: Path) -> str:
    result = run_cli("report", "--format", "json", "--index", str(index))
    assert result.code == 0, result.err
    return result.out


def test_units_left_unmatched_by_an_interrupted_scan_are_matched_by_the_next(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    expected = _report(run_cli, index)
    # What a scan killed between writing its batches and matching them leaves behind.
    with sqlite3.connect(index) as db:
        db.execute("DELETE FROM matches")
        db.execute("DELETE FROM unit_matches")  # written in the same transaction as the matches
        db.execute("UPDATE meta SET value = '1' WHERE key = 'matched_through'")
        db.execute("UPDATE meta SET value = '0' WHERE key = 'findings_current'")
    with Index.open(index, readonly=True) as opened:
        assert pending_units(opened) > 0
    doctor = run_cli("doctor", "--index", str(index))
    assert doctor.code == 0 and "not matched yet" in doctor.out
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0  # nothing changed on disk
    with Index.open(index, readonly=True) as opened:
        assert pending_units(opened) == 0
    assert _report(run_cli, index) == expected


def test_many_small_batches_are_compacted_and_find_the_same(run_cli, generated_corpus_150, tmp_path, monkeypatch):
    monkeypatch.setattr(keyruns, "MAX_RUNS", 16)  # 75 batches of 2 articles
    one_batch, tiny_batches = tmp_path / "one.sqlite", tmp_path / "tiny.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(one_batch), "--batch-size", "1000",
                   "--workers", "1").code == 0
    assert run_cli("scan", str(generated_corpus_150), "--index", str(tiny_batches), "--batch-size", "2",
                   "--workers", "1").code == 0
    with Index.open(tiny_batches, readonly=True) as opened:
        runs = keyruns.runs(opened.connection)
        assert len(runs) <= keyruns.MAX_RUNS
        assert [run.first_unit for run in runs[1:]] == [run.stop_unit for run in runs[:-1]]  # contiguous tiling
        assert not check_consistency(opened, deep=True)
    assert _report(run_cli, tiny_batches) == _report(run_cli, one_batch)


def test_a_batch_too_large_for_one_row_is_stored_as_several_runs_and_finds_the_same(
        run_cli, generated_corpus_150, tmp_path, monkeypatch):
    default, capped = tmp_path / "default.sqlite", tmp_path / "capped.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(default), "--batch-size", "1000",
                   "--workers", "1").code == 0
    # Rows of at most 40 units' keys (and ~200 anchors): SQLite's length limit, scaled down.
    monkeypatch.setattr(keyruns, "MAX_RUN_BYTES", 8 * (Config().num_bands + 2) * 40 + 64)
    monkeypatch.setattr(keyruns, "MAX_RUNS", 16)  # and compacted within the same bound
    assert run_cli("scan", str(generated_corpus_150), "--index", str(capped), "--batch-size", "1000",
                   "--workers", "1").code == 0
    with Index.open(capped, readonly=True) as opened:
        db = opened.connection
        runs = keyruns.runs(db)
        assert len(runs) > 16 and max(run.size for run in runs) <= 40
        assert [run.first_unit for run in runs[1:]] == [run.stop_unit for run in runs[:-1]]  # contiguous tiling
        assert db.execute("SELECT COUNT(*) FROM anchor_runs").fetchone()[0] > 1
        assert not check_consistency(opened, deep=True)
    assert _report(run_cli, capped) == _report(run_cli, default)


def test_changed_articles_leave_dead_keys_that_never_match(run_cli, generated_corpus_150, tmp_path):
    import shutil

    folder = tmp_path / "corpus"
    shutil.copytree(generated_corpus_150, folder)
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(folder), "--index", str(index), "--workers", "1").code == 0
    # Replace every tenth article by the text of the next one: their old passages die.
    articles = sorted(folder.rglob("*.txt"))
    for before, after in list(itertools.pairwise(articles))[::10]:
        before.write_text(after.read_text(encoding="utf-8").replace("\n\n", "\n\nAn editor's note was added here.\n\n", 1),
                          encoding="utf-8")
    assert run_cli("scan", str(folder), "--index", str(index), "--workers", "1").code == 0
    with Index.open(index, readonly=True) as opened:
        dead = opened.connection.execute("SELECT COUNT(*) FROM dead_units").fetchone()[0]
        assert dead >= len(articles[::10]) - 1
        assert not check_consistency(opened, deep=False)
    fresh = tmp_path / "fresh.sqlite"
    assert run_cli("scan", str(folder), "--index", str(fresh), "--workers", "1").code == 0
    assert _report(run_cli, index) == _report(run_cli, fresh)


@pytest.mark.parametrize("damage", ["truncated keys", "overlapping runs"])
def test_doctor_finds_damaged_key_runs(run_cli, seeds_dir, tmp_path, damage):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index), "--batch-size", "2", "--workers", "1").code == 0
    with sqlite3.connect(index) as db:
        if damage == "truncated keys":
            db.execute("UPDATE key_runs SET keys = substr(keys, 1, 64) WHERE id = (SELECT MIN(id) FROM key_runs)")
        else:
            db.execute("UPDATE key_runs SET first_unit = first_unit - 1 WHERE id = (SELECT MAX(id) FROM key_runs)")
    result = run_cli("doctor", "--index", str(index), "--quick")
    assert result.code == 2 and "key run" in result.err


@pytest.mark.parametrize("keys_per_pass", [1 << 20, 30, 1], ids=["one-pass", "runs-grouped", "run-by-run"])
def test_band_members_are_every_live_member_of_the_buckets_new_units_fall_in(tmp_path, monkeypatch, keys_per_pass):
    import numpy as np
    import polars as pl

    from provenance.store import matching
    from provenance.store.matching import band_members

    monkeypatch.setattr(matching, "_KEYS_PER_PASS", keys_per_pass)  # stored runs tested together or apart

    rng = np.random.default_rng(3)
    with Index.open(tmp_path / "ix.sqlite") as index:
        first = 1
        for count in (40, 25, 30, 20):  # keys from a small pool, so buckets span runs
            keys = rng.integers(0, 30, size=(count, 2), dtype=np.int64) * -(2**40) + 7
            docs = np.arange(first, first + count, dtype=np.int64) // 3
            with index.transaction(findings_current=None) as db:
                keyruns.append_run(db, first, keys, docs, docs)
                if first == 1:
                    db.execute("INSERT INTO dead_units (first, stop) VALUES (5, 9)")
            first += count
        db = index.connection
        runs = keyruns.runs(db)
        dead = keyruns.dead_ranges(db)
        masks = {run.rowid: keyruns.live_mask(run, dead) for run in runs}
        for first_new in (50, 70, 95):
            for band in range(2):
                with keyruns.BandReader(db) as reader:
                    got = band_members(reader, runs, masks, band, first_new, keyruns.UnitColumns(db, runs))
                keys = np.concatenate([keyruns.read_band(db, run, band) for run in runs])
                units = np.concatenate([np.arange(run.first_unit, run.stop_unit) for run in runs])
                live = np.concatenate([masks[run.rowid] for run in runs])
                frame = pl.DataFrame({"key": keys[live], "unit": units[live]})
                wanted = frame.filter(pl.col("unit") >= first_new)["key"].unique()
                expected = frame.filter(pl.col("key").is_in(wanted.implode()))
                assert sorted(zip(got.key.tolist(), got.unit.tolist())) == sorted(expected.iter_rows())


@pytest.mark.parametrize("segment_rows", [False, True], ids=["v11", "v10-in-a-sandbox"])
@pytest.mark.parametrize("dense_span", [0, 1000], ids=["searched", "table"])
def test_each_unit_pair_becomes_the_pair_of_their_paragraph_units(tmp_path, monkeypatch, dense_span, segment_rows):
    """Segments (ids without a row, or with a row a check's sandbox keeps) map to the
    paragraph unit before them, a pair inside one paragraph is dropped, and so is a pair
    with a unit of an article gone since; units looked up in a table by id or searched
    for alike."""
    from provenance.store import matching
    from provenance.store.matching import _paragraph_pairs

    monkeypatch.setattr(matching, "_DENSE_SPAN", dense_span)

    db = sqlite3.connect(tmp_path / "units.sqlite")
    db.execute("CREATE TABLE units (id INTEGER PRIMARY KEY, doc_id INTEGER, paragraph INTEGER, kind TEXT)")
    db.execute("CREATE TABLE doc_units (doc_id INTEGER PRIMARY KEY, first INTEGER, stop INTEGER)")
    # Article 1: units 1-5 (paragraph units 1 and 4); article 3 (units 6-9) deleted;
    # article 2: units 10-13 (paragraph units 10 and 12).
    rows = [(1, 1, 0, "paragraph"), (4, 1, 1, "paragraph"), (10, 2, 0, "paragraph"), (12, 2, 1, "paragraph")]
    if segment_rows:
        rows += [(2, 1, 0, "segment"), (3, 1, 0, "segment"), (5, 1, 1, "segment"), (11, 2, 0, "segment"),
                 (13, 2, 1, "segment")]
    db.executemany("INSERT INTO units VALUES (?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO doc_units VALUES (?, ?, ?)", [(1, 1, 6), (2, 10, 14)])
    pairs = np.array([[2, 11], [3, 4], [2, 3], [5, 13], [7, 12], [1, 99]])
    assert _paragraph_pairs(db, pairs).tolist() == [[1, 4], [1, 10], [4, 12]]


def test_a_scan_whose_anchors_wait_in_a_file_stores_what_one_holding_them_stores(run_cli, generated_corpus_150,
                                                                                  tmp_path, monkeypatch):
    from provenance.store import anchorindex

    held, parked = tmp_path / "held.sqlite", tmp_path / "parked.sqlite"
    monkeypatch.setattr(anchorindex, "MAX_SEGMENT", 1000)  # several segments, so chunks cross their edges
    assert run_cli("scan", str(generated_corpus_150), "--index", str(held)).code == 0
    monkeypatch.setattr(anchorindex, "PARK_ENTRIES", 0)
    assert run_cli("scan", str(generated_corpus_150), "--index", str(parked)).code == 0
    tables = ("anchor_segments", "anchor_blocks", "matches")
    with closing(sqlite3.connect(held)) as a, closing(sqlite3.connect(parked)) as b:
        for table in tables:
            assert sorted(a.execute(f"SELECT * FROM {table}")) == sorted(b.execute(f"SELECT * FROM {table}"))
        assert a.execute("SELECT COUNT(*) FROM anchor_segments").fetchone()[0] > 1
    assert _report(run_cli, parked) == _report(run_cli, held)
    assert sorted(path.name for path in tmp_path.iterdir() if "anchors" in path.name) == []


@pytest.mark.parametrize("limit", [1, 5, 1 << 30])
def test_band_pairs_merged_as_they_come_are_the_union_of_all_bands(monkeypatch, limit):
    from provenance.pipeline.lsh import unique_pairs
    from provenance.store import matching

    monkeypatch.setattr(matching, "_UNION_PAIRS", limit)
    rng = np.random.default_rng(limit)
    bands = [np.sort(rng.integers(0, 12, size=(int(rng.integers(0, 9)), 2)), axis=1) for _ in range(20)]
    bands = [unique_pairs([band[band[:, 0] < band[:, 1]]]) for band in bands]
    merged = matching._union(iter(bands))
    assert merged.tolist() == unique_pairs(bands).tolist() == [list(p) for p in sorted({(a, b) for band in bands for a, b in band.tolist()})]
    assert matching._union(iter([])).tolist() == []


def test_a_full_disk_while_anchors_are_set_aside_is_one_line_and_loses_nothing(run_cli, generated_corpus_150, tmp_path,
                                                                                monkeypatch):
    import errno

    from provenance.store import anchorindex

    clean, failed = tmp_path / "clean.sqlite", tmp_path / "failed.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(clean)).code == 0

    def full(fd, array):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(anchorindex, "PARK_ENTRIES", 0)
        patched.setattr(anchorindex, "_write_all", full)
        result = run_cli("scan", str(generated_corpus_150), "--index", str(failed))
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.count("\n") == 1 and "No space left on device" in result.err and "run again" in result.err
    assert run_cli("scan", str(generated_corpus_150), "--index", str(failed)).code == 0  # the units left pending
    assert _report(run_cli, failed) == _report(run_cli, clean)


@pytest.mark.parametrize("kept", [None, 20_000])  # the default, or so little kept that streams are read again
def test_verification_in_chunks_of_nearby_pairs_stores_the_matches_of_one_pass(run_cli, generated_corpus_150, tmp_path,
                                                                                monkeypatch, kept):
    from provenance.store import matching

    whole, chunked = tmp_path / "whole.sqlite", tmp_path / "chunked.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(whole)).code == 0
    taken: list[int] = []
    order = matching.locality_order

    def recorded(pairs):
        taken.append(len(pairs))
        return order(pairs)

    with monkeypatch.context() as patched:
        patched.setattr(matching, "_VERIFY_CHUNK", 7)  # many chunks, each in the order nearby pairs come
        patched.setattr(matching, "locality_order", recorded)
        if kept is not None:
            patched.setattr(matching, "_VERIFY_KEPT", kept)
        assert run_cli("scan", str(generated_corpus_150), "--index", str(chunked)).code == 0
    assert taken and taken[0] > 7
    with closing(sqlite3.connect(whole)) as a, closing(sqlite3.connect(chunked)) as b:
        for query in ("SELECT * FROM matches", "SELECT * FROM unit_matches ORDER BY unit"):
            rows = a.execute(query).fetchall()
            assert rows and rows == b.execute(query).fetchall()
    assert _report(run_cli, chunked) == _report(run_cli, whole)


def test_a_scan_of_fewer_batches_than_the_bound_keeps_a_run_per_batch(run_cli, generated_corpus_150, tmp_path):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(index), "--batch-size", "10",
                   "--workers", "1").code == 0
    with Index.open(index, readonly=True) as opened:
        assert len(keyruns.runs(opened.connection)) == 15  # not merged: a merge rewrites every key


def test_matches_another_scan_stored_meanwhile_stay_in_the_unit_match_blobs(generated_corpus_150, tmp_path, monkeypatch):
    """Two scans of one index: the second stores its matches while the first verifies
    its own (of fewer units): the first matches again instead of overwriting the blobs."""
    from provenance.ingest.load import Source, iter_sources, load_document
    from provenance.pipeline.batch import process_batch
    from provenance.store import matching, unitmatches
    from provenance.store.writer import write_batch

    files = sorted((item for item in iter_sources([generated_corpus_150]) if isinstance(item, Source)), key=lambda s: s.absolute)
    documents = [load_document(item) for item in files]
    path, alone = tmp_path / "index.sqlite", tmp_path / "alone.sqlite"
    verify, calls = matching._verify, []

    def other_scan_meanwhile(*args):
        rows = verify(*args)
        calls.append(len(rows))
        if len(calls) == 1:
            write_batch(other, process_batch(documents[len(documents) // 2:], other.config))
            assert matching.match_pending(other) > 0
        return rows

    with Index.open(path) as first, Index.open(path) as other:
        write_batch(first, process_batch(documents[: len(documents) // 2], first.config))
        monkeypatch.setattr(matching, "_verify", other_scan_meanwhile)
        matched = matching.match_pending(first)
        assert unitmatches.problems(first.connection) == [] and check_consistency(first, deep=False) == []
        assert matched == 0 and len(calls) == 2  # the other stored them all: none was pending the second time
        stored = first.connection.execute("SELECT * FROM matches ORDER BY a, b, a_start, b_start").fetchall()
    monkeypatch.setattr(matching, "_verify", verify)
    with Index.open(alone) as index:
        write_batch(index, process_batch(documents[: len(documents) // 2], index.config))
        write_batch(index, process_batch(documents[len(documents) // 2:], index.config))
        matching.match_pending(index)
        assert index.connection.execute("SELECT * FROM matches ORDER BY a, b, a_start, b_start").fetchall() == stored
