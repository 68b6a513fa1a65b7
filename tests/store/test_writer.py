"""Writing batches: a batch with nothing to match writes no key run, and an index an older
version left with an empty run is repaired, never rebuilt (issue 11, item 1)."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from provenance import Index
from provenance.store import keyruns
from provenance.store.health import check_consistency


def _runs(index: Path) -> list[keyruns.Run]:
    with Index.open(index, readonly=True) as opened:
        return keyruns.runs(opened.connection)


def test_a_batch_of_stub_articles_writes_no_key_run(run_cli, seeds_dir, tmp_path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "a.txt").write_text("Short note.\n")
    (stubs / "b.jsonl").write_text('{"text": "Breaking: more soon."}\n')
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(stubs), "--index", str(index)).code == 0
    assert _runs(index) == []
    for command in (("scan", str(stubs)), ("scan", str(seeds_dir)), ("check", str(stubs)), ("doctor",)):
        result = run_cli(*command, "--index", str(index))
        assert result.code == 0, (command, result.err)
        assert "unexpected" not in result.err
    assert all(run.size > 0 for run in _runs(index))


def _add_empty_run(index: Path) -> None:
    """What versions before the fix wrote for a batch of articles too short to match."""
    with sqlite3.connect(index) as db:
        next_unit = int(db.execute("SELECT value FROM meta WHERE key = 'next_unit'").fetchone()[0])
        db.execute("INSERT INTO key_runs (first_unit, stop_unit, bands, keys, docs, contents) VALUES (?, ?, 37, x'', x'', x'')",
                   (next_unit, next_unit))


def test_an_empty_key_run_left_by_an_older_version_is_repaired_by_the_next_scan(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    first, second = sorted(seeds_dir.glob("*.txt"))[:3], sorted(seeds_dir.glob("*.txt"))[3:]
    assert run_cli("scan", *map(str, first), "--index", str(index)).code == 0
    _add_empty_run(index)
    doctor = run_cli("doctor", "--index", str(index), "--quick")
    assert doctor.code == 2 and "is empty" in doctor.err and "doctor --repair" in doctor.err
    result = run_cli("scan", *map(str, second), "--index", str(index))
    assert result.code == 0, result.err
    assert all(run.size > 0 for run in _runs(index))
    assert run_cli("doctor", "--index", str(index)).code == 0


def test_doctor_repair_removes_an_empty_key_run(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    _add_empty_run(index)
    repaired = run_cli("doctor", "--repair", "--index", str(index))
    assert repaired.code == 0, repaired.err
    with Index.open(index, readonly=True) as opened:
        assert all(run.size > 0 for run in keyruns.runs(opened.connection))
        assert check_consistency(opened) == []


# -- what a batch writes ---------------------------------------------------------------

def _batch(index: Index, folder: Path):
    from provenance.ingest.load import Source, iter_sources, load_document
    from provenance.pipeline.batch import process_batch

    documents = [load_document(item) for item in iter_sources([folder]) if isinstance(item, Source)]
    return process_batch(documents, index.config)


def test_a_batch_is_stored_whole_with_its_units_token_streams_and_one_key_run(tmp_path, seeds_dir):
    from provenance.store.writer import write_batch

    with Index.open(tmp_path / "index.sqlite") as index:
        batch = _batch(index, seeds_dir)
        assert write_batch(index, batch) == batch.num_units > 0
        db = index.connection
        assert sorted(row[0] for row in db.execute("SELECT source FROM documents")) == sorted(
            d.source for d in batch.documents)
        assert db.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0] == len(batch.paragraph_doc)
        rows = db.execute("SELECT id, kind, start, end, words, content_key, shingles, tokens FROM units ORDER BY id").fetchall()
        paragraph = np.flatnonzero(~batch.unit_is_segment)  # segments have ids but no row
        assert 0 < len(paragraph) < batch.num_units
        assert [row[:6] for row in rows] == list(zip(
            (paragraph + 1).tolist(), ["paragraph"] * len(paragraph), batch.unit_start[paragraph].tolist(),
            batch.unit_end[paragraph].tolist(), batch.unit_words[paragraph].tolist(),
            batch.unit_content_key[paragraph].tolist(), strict=True))
        assert {row[6] for row in rows} == {b""}  # shingle sets are not kept (nothing reads them)
        assert [row[7] for row in rows] == [batch.unit_tokens[at] for at in paragraph.tolist()]
        # Each article's units, segments included, are one range of ids, in order.
        ranges = db.execute("SELECT d.source, u.first, u.stop FROM doc_units AS u JOIN documents AS d ON d.id = u.doc_id "
                            "ORDER BY u.first").fetchall()
        assert ranges[0][1] == 1 and ranges[-1][2] == 1 + batch.num_units
        assert all(stop == start for (_, _, stop), (_, start, _) in itertools.pairwise(ranges))
        counts = np.bincount(batch.unit_doc, minlength=len(batch.documents))
        assert [(source, stop - first) for source, first, stop in ranges] == [
            (d.source, int(count)) for d, count in zip(batch.documents, counts, strict=True) if count]
        [run] = keyruns.runs(db)
        assert (run.first_unit, run.size) == (1, batch.num_units)
        assert index.meta_int("next_unit", 0) == 1 + batch.num_units
        assert not index.findings_current  # matching and findings are still to come


def test_replacing_documents_frees_their_rows_but_never_their_unit_ids(tmp_path, seeds_dir):
    from provenance.store.writer import write_batch

    with Index.open(tmp_path / "index.sqlite") as index:
        first = _batch(index, seeds_dir)
        write_batch(index, first)
        old = [doc.id for doc in index.stored_documents().values()]
        write_batch(index, _batch(index, seeds_dir), replaces=old)
        db = index.connection
        assert db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == len(first.documents)
        assert db.execute("SELECT MIN(id) FROM units").fetchone()[0] == 1 + first.num_units
        dead = db.execute("SELECT first, stop FROM dead_units ORDER BY first").fetchall()  # one range per document
        assert dead[0][0] == 1 and dead[-1][1] == 1 + first.num_units
        assert all(stop == start for (_, stop), (start, _) in itertools.pairwise(dead))
        assert [run.first_unit for run in keyruns.runs(db)] == [1, 1 + first.num_units]


def test_a_batch_that_fails_half_way_leaves_nothing(tmp_path, seeds_dir, monkeypatch):
    from provenance.store import writer

    with Index.open(tmp_path / "index.sqlite") as index:
        batch = _batch(index, seeds_dir)

        def fail(*args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(writer, "append_run", fail)
        with pytest.raises(OSError, match="disk full"):
            writer.write_batch(index, batch)
        assert index.stored_documents() == {}
        assert index.connection.execute("SELECT COUNT(*) FROM units").fetchone()[0] == 0


# -- the fingerprint index of a first scan -----------------------------------------------

def _has_fingerprint_index(index: Path) -> bool:
    with Index.open(index, readonly=True) as opened:
        return opened.has_fingerprint_index()


def _index_present_at_each_batch(monkeypatch) -> list[bool]:
    from provenance import scanning

    seen: list[bool] = []
    write = scanning.write_batch

    def recorded(index, batch, replaced=()):
        seen.append(index.has_fingerprint_index())
        return write(index, batch, replaced)

    monkeypatch.setattr(scanning, "write_batch", recorded)
    return seen


def test_a_first_scan_builds_the_fingerprint_index_after_its_batches_and_a_later_one_keeps_it(
        run_cli, generated_corpus_150, tmp_path, monkeypatch):
    index = tmp_path / "index.sqlite"
    articles = sorted(generated_corpus_150.rglob("*.txt"))
    seen = _index_present_at_each_batch(monkeypatch)
    assert run_cli("scan", *map(str, articles[:100]), "--index", str(index), "--batch-size", "16").code == 0
    assert len(seen) > 1 and not any(seen)  # left out while the batches were written
    assert _has_fingerprint_index(index)
    seen.clear()
    assert run_cli("scan", *map(str, articles), "--index", str(index), "--batch-size", "16").code == 0
    assert seen and all(seen)  # an index with paragraphs keeps it: the new rows go in one by one
    with closing(sqlite3.connect(index)) as db:
        plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN SELECT * FROM paragraphs WHERE fingerprint = 1"))
    assert "paragraphs_fingerprint" in plan


def test_a_first_scan_that_fails_half_way_builds_the_index_back(run_cli, generated_corpus_150, tmp_path, monkeypatch):
    from provenance import scanning

    index = tmp_path / "index.sqlite"
    write, written = scanning.write_batch, []

    def fail_at_the_third(index, batch, replaced=()):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(batch)
        return write(index, batch, replaced)

    monkeypatch.setattr(scanning, "write_batch", fail_at_the_third)
    result = run_cli("scan", str(generated_corpus_150), "--index", str(index), "--batch-size", "16")
    assert result.code != 0 and "Traceback" not in result.err
    assert _has_fingerprint_index(index)


def test_a_ctrl_c_while_a_first_scan_builds_the_fingerprint_index_waits_for_it(tmp_path, monkeypatch):
    """Building it takes seconds at 100k articles: a Ctrl-C then stops the scan once it is
    built, so an interrupted scan leaves an index ``doctor`` finds sound."""
    from provenance.store.writer import FingerprintIndex

    with Index.open(tmp_path / "index.sqlite") as index:
        build = index.build_fingerprint_index

        def interrupted_build() -> None:
            os.kill(os.getpid(), signal.SIGINT)  # lands as the build starts
            build()

        monkeypatch.setattr(index, "build_fingerprint_index", interrupted_build)
        # Python's own Ctrl-C handler, as a terminal's scan has it: a shell's background
        # job (and so this test's process) may start with SIGINT ignored.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            with pytest.raises(KeyboardInterrupt), FingerprintIndex(index) as fingerprints:
                fingerprints.before_write()
                assert not index.has_fingerprint_index()
            assert index.has_fingerprint_index()
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        finally:
            signal.signal(signal.SIGINT, previous)


def test_an_index_a_killed_first_scan_left_without_its_fingerprint_index_gets_it_back(run_cli, generated_corpus_150,
                                                                                      tmp_path):
    index, clean = tmp_path / "index.sqlite", tmp_path / "clean.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(clean)).code == 0
    assert run_cli("scan", str(generated_corpus_150), "--index", str(index)).code == 0
    with closing(sqlite3.connect(index)) as db:
        db.execute("DROP INDEX paragraphs_fingerprint")  # what a scan killed mid-way leaves
    assert run_cli("report", "--index", str(index), "--format", "json").out == run_cli(
        "report", "--index", str(clean), "--format", "json").out  # reading needs no repair
    doctor = run_cli("doctor", "--index", str(index), "--quick")
    assert doctor.code == 2 and "fingerprint index is missing" in doctor.err and "--repair" in doctor.err
    assert not _has_fingerprint_index(index)  # doctor alone changes nothing
    repaired = run_cli("doctor", "--repair", "--index", str(index))
    assert repaired.code == 0 and "fingerprint index" in repaired.out, repaired.err
    assert _has_fingerprint_index(index) and run_cli("doctor", "--index", str(index), "--quick").code == 0
    with closing(sqlite3.connect(index)) as db:
        db.execute("DROP INDEX paragraphs_fingerprint")
    assert run_cli("scan", str(generated_corpus_150), "--index", str(index)).code == 0  # a scan builds it too
    assert _has_fingerprint_index(index)
