"""The open index: blobs round-trip, transactions are all or nothing, ids never come back."""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

import pytest

from provenance import Index, ScanOptions, scan
from provenance.errors import IndexError_, SchemaError


def test_a_transaction_is_rolled_back_on_any_exception(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as index:
        for failure in (ValueError("boom"), KeyboardInterrupt()):
            with pytest.raises(type(failure)), index.transaction() as db:
                index.set_meta(db, "half_written", 1)
                raise failure
            assert index.meta("half_written") is None


class _InterruptedAfter:
    """A connection where a Ctrl-C lands just after one statement returns (a signal is
    handled between two Python bytecodes, so it can fall between any two statements)."""

    def __init__(self, connection: sqlite3.Connection, statement: str) -> None:
        self._connection, self._statement = connection, statement

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        cursor = self._connection.execute(sql, *args)
        if sql == self._statement:
            self._statement = ""
            raise KeyboardInterrupt
        return cursor

    def __getattr__(self, name: str) -> object:
        return getattr(self._connection, name)


@pytest.mark.parametrize(("statement", "kept"), [("BEGIN IMMEDIATE", None), ("COMMIT", "1")])
def test_a_ctrl_c_between_a_transactions_statements_leaves_none_open(tmp_path, statement, kept):
    with Index.open(tmp_path / "index.sqlite") as index:
        connection = index.connection
        index.connection = _InterruptedAfter(connection, statement)  # type: ignore[assignment]
        try:
            with pytest.raises(KeyboardInterrupt), index.transaction() as db:
                index.set_meta(db, "written", 1)
        finally:
            index.connection = connection
        assert not connection.in_transaction  # the next transaction can begin
        assert index.meta("written") == kept
        with index.transaction() as db:
            index.set_meta(db, "next", 1)
        assert index.meta("next") == "1"


def test_a_transaction_sqlite_rolled_back_itself_raises_its_own_error(tmp_path):
    """A full disk makes SQLite roll the transaction back by itself (imitated with a page
    limit): the error is the full disk, not a failed rollback, and what was committed stays."""
    with Index.open(tmp_path / "index.sqlite") as index:
        with index.transaction() as db:
            index.set_meta(db, "kept", 1)
        pages = index.connection.execute("PRAGMA page_count").fetchone()[0]
        index.connection.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(sqlite3.OperationalError, match="full"), index.transaction() as db:
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"k{i}", "x" * 4000) for i in range(200)])
        assert not index.connection.in_transaction
        assert index.meta("kept") == "1" and index.meta("k0") is None


def test_a_scan_stopped_by_a_full_disk_says_so_in_one_line_and_the_next_scan_completes(run_cli, generated_corpus_150,
                                                                                        tmp_path, monkeypatch):
    from provenance.store import opening

    clean, failed = tmp_path / "clean.sqlite", tmp_path / "failed.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(clean)).code == 0
    configured = opening._configured

    def limited(path: Path, query: str) -> sqlite3.Connection:
        connection = configured(path, query)
        connection.execute("PRAGMA max_page_count = 400")  # 6.4 MB: the corpus needs more
        return connection

    with monkeypatch.context() as patched:
        patched.setattr(opening, "_configured", limited)
        result = run_cli("scan", str(generated_corpus_150), "--index", str(failed))
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.count("\n") == 1 and "disk is full" in result.err and "run again" in result.err
    assert run_cli("scan", str(generated_corpus_150), "--index", str(failed)).code == 0
    assert run_cli("doctor", "--index", str(failed)).code == 0
    reports = [run_cli("report", "--format", "json", "--index", str(path)) for path in (clean, failed)]
    assert reports[0].code == reports[1].code == 0 and reports[0].out == reports[1].out


def test_a_write_marks_findings_stale_until_a_refresh_marks_them_current(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as index:
        with index.transaction(findings_current=True):
            pass
        assert index.findings_current
        with index.transaction(findings_current=None):  # paths only: findings unaffected
            pass
        assert index.findings_current
        with index.transaction():
            pass
        assert not index.findings_current


def test_unit_ids_are_never_reused_after_documents_are_removed(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        _, next_unit = index.next_ids()
        index.remove_documents([doc.id for doc in index.stored_documents().values()])
        assert index.stored_documents() == {}
        assert index.next_ids() == (1, next_unit)


def test_document_text_is_the_stored_text_and_a_missing_document_is_named(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        for source, doc in index.stored_documents().items():
            assert index.document_text(doc.id) == Path(source).read_bytes().decode("utf-8")
        with pytest.raises(IndexError_, match="document 999 is not in the index"):
            index.document_text(999)


def test_set_root_moves_paths_and_root_together(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        stored = index.stored_documents()
        index.set_root("/elsewhere", [(f"moved/{doc.path}", doc.id) for doc in stored.values()])
        assert index.root == "/elsewhere"
        assert sorted(doc.path for doc in index.stored_documents().values()) == sorted(f"moved/{d.path}" for d in stored.values())


def test_an_unreadable_mark_is_a_schema_error_naming_the_key(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as index:
        with index.transaction(findings_current=None) as db:
            index.set_meta(db, "matched_through", "many")
        with pytest.raises(SchemaError, match="matched_through mark is unreadable"):
            _ = index.matched_through


def _file_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file beside the index: its bytes and modification time."""
    import hashlib

    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def _closed_index(folder: Path, seeds_dir: Path) -> Path:
    """An index of all seeds but one, closed (no -wal beside it), in a folder of its own."""
    import shutil

    folder.mkdir()
    kept = folder.parent / "kept"
    shutil.copytree(seeds_dir, kept)
    min(kept.glob("*.txt")).unlink()
    with Index.open(folder / "index.sqlite") as index:
        scan([kept], index, ScanOptions(workers=1))
    return folder / "index.sqlite"


def test_a_sandbox_sees_its_writes_and_leaves_the_file_as_it_was(tmp_path, seeds_dir):
    path = _closed_index(tmp_path / "store", seeds_dir)
    before = _file_state(path.parent)
    with Index.open(path, readonly=True) as reader:
        stored = len(reader.stored_documents())
    with Index.sandbox(path) as index:  # type: ignore[union-attr]
        assert index.sandboxed
        summary = scan([seeds_dir], index, ScanOptions(workers=1))
        assert summary.added == 5 and len(index.stored_documents()) == stored + 5 and index.findings_count()
        with Index.open(path, readonly=True) as reader:  # other connections never see them
            assert len(reader.stored_documents()) == stored
        with pytest.raises(ValueError), index.transaction() as db:  # a savepoint: only it is undone
            index.set_meta(db, "half_written", 1)
            raise ValueError("boom")
        assert index.meta("half_written") is None and len(index.stored_documents()) == stored + 5
    assert _file_state(path.parent) == before  # same bytes, same mtime, no -wal or -shm left
    with Index.open(path, readonly=True) as reader:
        assert len(reader.stored_documents()) == stored


@pytest.mark.parametrize("reader_of", ["report", "diagnosis"])
def test_a_report_and_a_diagnosis_each_read_one_snapshot_while_a_writer_commits(tmp_path, seeds_dir, later_seeds,
                                                                                 monkeypatch, reader_of):
    """A scan commits (batches, merged segments, findings) in the middle of a read: the
    read sees none of it, the next read sees all of it."""
    from provenance.report import model
    from provenance.store import health, queries

    # Midway: after the report has read the documents, before the findings; after the
    # diagnosis has counted orphans, before the segments.
    read, module, name = {"report": (model.build_report, queries, "report_paragraphs"),
                          "diagnosis": (partial(health.diagnose, deep=False), health, "_run_problems")}[reader_of]
    path = tmp_path / "index.sqlite"
    with Index.open(path) as writer:
        scan([seeds_dir], writer, ScanOptions(workers=1))
    original = getattr(module, name)

    def scan_first(*args):
        monkeypatch.setattr(module, name, original)
        with Index.open(path) as writer:
            scan([seeds_dir, later_seeds], writer, ScanOptions(workers=1, batch_size=1))
        return original(*args)

    with Index.open(path, readonly=True) as reader:
        before = read(reader)
        monkeypatch.setattr(module, name, scan_first)
        assert read(reader) == before
        assert read(reader) != before
        assert health.diagnose(reader, deep=False).problems == []


def test_no_sandbox_where_the_file_could_change_or_cannot_be_written(tmp_path, seeds_dir):
    import sqlite3
    from contextlib import closing

    path = _closed_index(tmp_path / "store", seeds_dir)
    assert Index.sandbox(tmp_path / "absent.sqlite") is None
    with closing(sqlite3.connect(path)) as writer:  # a writer's committed changes wait in the -wal
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('pending', '1')")
        writer.commit()
        assert Index.sandbox(path) is None
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")  # older: would need migrating
        db.commit()
    assert Index.sandbox(path) is None


def test_a_sandbox_opens_beside_a_wal_left_with_rolled_back_frames_only(tmp_path, seeds_dir):
    """Such a ``-wal`` is never checkpointed: refusing it would make every check copy the index."""
    import sqlite3
    from contextlib import closing

    path = _closed_index(tmp_path / "store", seeds_dir)
    wal = path.with_name(path.name + "-wal")
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA cache_size = 2")  # pages spill to the -wal mid-transaction
        db.execute("BEGIN")
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"filler{i}", "x" * 3000) for i in range(50)])
        left = wal.read_bytes()
        db.execute("ROLLBACK")
    assert len(left) > 32 and not wal.exists()
    wal.write_bytes(left)
    main = path.read_bytes()
    with Index.sandbox(path) as index:  # type: ignore[union-attr]
        assert index.sandboxed
        assert scan([seeds_dir], index, ScanOptions(workers=1)).added == 5 and index.findings_count()
    assert path.read_bytes() == main
    with Index.open(path, readonly=True) as reader:
        assert reader.meta("filler0") is None


def test_a_sandbox_migrates_an_older_index_in_its_transaction(tmp_path, seeds_dir, later_seeds):
    """A CI job checking against an index cached by an older version neither copies nor
    changes it, and finds what a migrated index finds."""
    import shutil

    from provenance.report.render import render_report
    from provenance.store.schema import SCHEMA_VERSION
    from tests.store.test_anchorindex import _downgrade_to_v8

    path = tmp_path / "store" / "index.sqlite"
    path.parent.mkdir()
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
    _downgrade_to_v8(path)
    shutil.copyfile(path, tmp_path / "migrated.sqlite")
    before = _file_state(path.parent)
    with Index.sandbox(path) as index:  # type: ignore[union-attr]
        assert index.sandboxed and index.meta("schema_version") == str(SCHEMA_VERSION)
        assert scan([later_seeds], index, ScanOptions(workers=1)).added
        sandboxed = render_report(index, "json")
    assert _file_state(path.parent) == before
    with pytest.raises(SchemaError, match="schema version 8 is older"):  # still version 8
        Index.open(path, readonly=True)
    with Index.open(tmp_path / "migrated.sqlite") as index:  # migrated for good, then scanned
        scan([later_seeds], index, ScanOptions(workers=1))
        assert render_report(index, "json") == sandboxed


def test_documents_at_reads_the_same_documents_either_way(tmp_path, seeds_dir, monkeypatch):
    """Many files asked for read the whole table; few are looked up one by one: the
    documents found are the same, feed records and files not stored included."""
    import json

    from provenance.store import index as index_module

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    feed = feeds / "wire.jsonl"
    feed.write_text("".join(json.dumps({"text": f"Record {i} of the wire feed has words enough to be stored as text.",
                                        "published": "2020-02-01T09:00:00Z"}) + "\n" for i in range(3)))
    path = tmp_path / "ix.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir, feeds], index, ScanOptions(workers=1))
        stored = index.stored_documents()
        files = sorted(source for source in stored if "#" not in source)[1:] + [str(tmp_path / "absent.txt")]
        by_lookup = index.documents_at(files, [str(feed.resolve())])
        monkeypatch.setattr(index_module, "_WHOLE_READ_FILES", 1)
        by_reading = index.documents_at(files, [str(feed.resolve())])
    assert by_reading == by_lookup
    assert len(by_lookup) == len(stored) - 1  # every file but the one left out, and the feed's 3 records
    assert sum("#" in source for source in by_lookup) == 3


def test_a_rescan_reads_the_stored_files_through_their_stamps_index_with_the_same_answer(tmp_path, seeds_dir):
    """What a rescan compares each file with comes from ``documents_stamps`` (not the rows
    holding the articles' text), the same with it or without (an older file)."""
    from provenance.store.schema import DOCUMENT_STAMPS_INDEX

    with Index.open(tmp_path / "ix.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        statements: list[str] = []
        index.connection.set_trace_callback(statements.append)
        with_index = index.stored_documents()
        index.connection.set_trace_callback(None)
        (query,) = [statement for statement in statements if "FROM documents" in statement]
        plan = " ".join(row[-1] for row in index.connection.execute("EXPLAIN QUERY PLAN " + query))
        with index.transaction(findings_current=None) as db:
            db.execute(f"DROP INDEX {DOCUMENT_STAMPS_INDEX}")
        assert index.stored_documents() == with_index and len(with_index) == 5
        assert {document.size for document in with_index.values()} != {0}
    assert f"COVERING INDEX {DOCUMENT_STAMPS_INDEX}" in plan
    with Index.open(tmp_path / "ix.sqlite") as index:  # a writable open builds it again
        assert index.connection.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (DOCUMENT_STAMPS_INDEX,)).fetchone()
