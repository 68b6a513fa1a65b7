"""Untrusted index files: every bad one is refused with one line and exit 2."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from provenance import Config, Index
from provenance.errors import IndexError_, ProvenanceError, SchemaError
from provenance.store import keyruns
from provenance.store.health import check_consistency, integrity_problems
from provenance.store.schema import APPLICATION_ID, DDL, SCHEMA_VERSION
from tests.store.test_migrations import downgrade_to_v10


@pytest.fixture
def built_index(run_cli, seeds_dir, tmp_path) -> Path:
    path = tmp_path / "built.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(path)).code == 0
    with closing(sqlite3.connect(path)) as db:  # closed: the WAL is folded in, the file alone is the index
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _refused(run_cli, path: Path, fragment: str) -> None:
    for command in (("report",), ("doctor",), ("scan", str(path.parent / "nothing-here"))):
        if command[0] == "scan":
            (path.parent / "nothing-here").mkdir(exist_ok=True)
        result = run_cli(*command, "--index", str(path))
        assert result.code == 2, (command, result.err)
        assert fragment in result.err and result.err.count("\n") == 1 and "Traceback" not in result.err


def test_non_sqlite_file(run_cli, tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"just some notes, not a database" * 10)
    _refused(run_cli, path, "not an SQLite file")


def test_truncated_index(run_cli, built_index):
    data = built_index.read_bytes()
    built_index.write_bytes(data[: len(data) // 3])
    _refused(run_cli, built_index, "corrupt")


@pytest.mark.parametrize("quick_check_up_to", [64 << 20, 0])
def test_truncation_is_caught_on_open_even_where_quick_check_is_skipped(run_cli, built_index, monkeypatch, quick_check_up_to):
    """Opening a big index does not read it all (``quick_check`` is skipped beyond a
    size), but a file shorter than the pages its header counts is refused either way."""
    monkeypatch.setattr("provenance.store.opening.QUICK_CHECK_MAX_BYTES", quick_check_up_to)
    data = built_index.read_bytes()
    built_index.write_bytes(data[: len(data) - 4096])
    result = run_cli("report", "--index", str(built_index))
    assert result.code == 2 and "corrupt" in result.err and result.err.count("\n") == 1


def test_corrupted_pages_of_a_big_index_are_caught_when_read(run_cli, built_index, seeds_dir, monkeypatch):
    monkeypatch.setattr("provenance.store.opening.QUICK_CHECK_MAX_BYTES", 0)
    data = bytearray(built_index.read_bytes())
    for offset in range(2 * 4096, len(data) - 4096, 3 * 4096):
        data[offset + 100 : offset + 400] = b"\xff" * 300
    built_index.write_bytes(bytes(data))
    for command in (("report",), ("report", "--format", "json"), ("check", str(seeds_dir))):
        result = run_cli(*command, "--index", str(built_index))
        assert result.code == 2 and "corrupt" in result.err and "Traceback" not in result.err, (command, result.err)
    assert run_cli("doctor", "--index", str(built_index)).code == 2


def test_truncated_header(run_cli, built_index):
    built_index.write_bytes(built_index.read_bytes()[:40])
    _refused(run_cli, built_index, "truncated")


def test_corrupted_pages(run_cli, built_index):
    data = bytearray(built_index.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, 3 * page):
        data[offset + 100 : offset + 400] = b"\xff" * 300
    built_index.write_bytes(bytes(data))
    _refused(run_cli, built_index, "corrupt")


def test_foreign_sqlite_database(run_cli, tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    _refused(run_cli, path, "not a passage-provenance index")


def test_newer_schema_version(run_cli, built_index):
    with sqlite3.connect(built_index) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    _refused(run_cli, built_index, "newer than this passage-provenance understands")


def test_triggers_planted_in_an_index_are_refused(run_cli, built_index):
    with sqlite3.connect(built_index) as db:
        db.execute("CREATE TRIGGER evil AFTER INSERT ON documents BEGIN DELETE FROM documents; END")
    _refused(run_cli, built_index, "triggers or views")


def test_missing_columns_are_refused(built_index):
    with sqlite3.connect(built_index) as db:
        db.execute("ALTER TABLE documents DROP COLUMN site")
    with pytest.raises(SchemaError, match="lacks column"):
        Index.open(built_index)


def _downgrade_to_v2(path: Path) -> int:
    """Rewrite a current index in the version-2 layout (one ``band_keys`` row per key,
    no runs); returns how many key rows it wrote."""
    downgrade_to_v10(path)  # every unit with its row, as before version 11
    with closing(sqlite3.connect(path)) as db:
        rows = []
        for run in keyruns.runs(db):
            bands = db.execute("SELECT bands FROM key_runs WHERE id = ?", (run.rowid,)).fetchone()[0]
            for band in range(bands):
                rows.extend((band, key, unit) for unit, key in
                            enumerate(keyruns.read_band(db, run, band).tolist(), start=run.first_unit))
        stored = {row[0] for row in db.execute("SELECT id FROM units")}
    rows = [row for row in rows if row[2] in stored]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE band_keys (band INTEGER NOT NULL, key INTEGER NOT NULL, unit_id INTEGER NOT NULL "
                   "REFERENCES units(id) ON DELETE CASCADE, PRIMARY KEY (band, key, unit_id)) WITHOUT ROWID")
        db.execute("CREATE INDEX band_keys_unit ON band_keys(unit_id)")
        db.executemany("INSERT INTO band_keys VALUES (?, ?, ?)", rows)
        db.execute("DROP TABLE key_runs")
        db.execute("DROP TABLE dead_units")
        db.execute("DELETE FROM meta WHERE key IN ('next_unit', 'matched_through')")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    return len(rows)


def _append_line(article: Path, line: str) -> None:
    article.write_text(article.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


@pytest.mark.parametrize("version", [1, 2, 4])
def test_old_index_is_migrated_and_reports_the_same(run_cli, built_index, seeds_dir, version):
    # A changed article first, so the old file has a gap in its unit ids.
    changed = seeds_dir
    _append_line(max(changed.iterdir()), "A correction was appended to this article after it was first published.")
    assert run_cli("scan", str(changed), "--index", str(built_index)).code == 0
    before = run_cli("report", "--format", "json", "--index", str(built_index)).out
    if version == 4:  # v4 token streams had no word hashes: none can be read by v5
        downgrade_to_v10(built_index)
        with sqlite3.connect(built_index) as db:
            db.execute("UPDATE units SET tokens = substr(tokens, 1, 4)")
            db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    else:
        assert _downgrade_to_v2(built_index) > 0
    if version == 1:
        with sqlite3.connect(built_index) as db:
            db.execute("DROP TABLE scans")
            db.execute("DROP INDEX documents_path")
            db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    result = run_cli("report", "--index", str(built_index))
    assert result.code == 2 and "run 'provenance scan' on it once to migrate" in result.err
    with Index.open(built_index) as index:  # writable open migrates
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert not integrity_problems(index) and not check_consistency(index)
    # Matching changed in v4 (alignment over stored token streams) and v5 (word hashes in
    # them), so the migration marks every article for re-reading: the next scan of the same files restores the report.
    assert run_cli("scan", str(changed), "--index", str(built_index)).code == 0
    assert run_cli("report", "--format", "json", "--index", str(built_index)).out == before
    # The migrated index keeps working: a rescan with one article changed matches as a fresh index does.
    _append_line(min(changed.iterdir()), "One more closing line for this article, added later on.")
    assert run_cli("scan", str(changed), "--index", str(built_index)).code == 0
    fresh = built_index.parent / "fresh.sqlite"
    assert run_cli("scan", str(changed), "--index", str(fresh)).code == 0
    assert run_cli("report", "--format", "json", "--index", str(built_index)).out == \
        run_cli("report", "--format", "json", "--index", str(fresh)).out


def test_doctor_reports_a_sound_index(run_cli, built_index):
    result = run_cli("doctor", "--index", str(built_index))
    assert result.code == 0 and "OK (5 documents" in result.out


def test_doctor_finds_a_half_written_document(run_cli, built_index):
    with sqlite3.connect(built_index) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM units WHERE id = (SELECT MAX(id) FROM units)")
    result = run_cli("doctor", "--index", str(built_index))
    assert result.code == 2 and "stored units differ from its text" in result.err


# -- read-only indexes (issue 11, item 2) -------------------------------------------------


@pytest.fixture
def make_read_only() -> Iterator[Callable[[Path], None]]:
    """Make a file or folder unwritable, even for root (tests often run as root, where
    ``chmod`` stops nothing): ``chattr +i`` as root, ``chmod a-w`` otherwise; undone after."""
    frozen: list[Path] = []

    def freeze(path: Path) -> None:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False) if shutil.which("chattr") else None
            if done is None or done.returncode:
                pytest.skip("running as root where 'chattr +i' is unavailable: cannot make a path read-only")
        else:
            path.chmod(path.stat().st_mode & ~0o222)
        frozen.append(path)

    yield freeze
    for path in reversed(frozen):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(path.stat().st_mode | 0o200)


def _state(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir() if path.is_file()}


def _read(run_cli, index: Path, seeds: Path) -> None:
    article = str(min(seeds.glob("*.txt")))
    for command in (("report",), ("report", "--format", "json"), ("trace", article), ("doctor",), ("check", article)):
        result = run_cli(*command, "--index", str(index))
        assert result.code in (0, 1), (command, result.err)
        assert "corrupt" not in result.err and "unexpected" not in result.err


def test_readers_leave_no_files_behind_and_the_bytes_unchanged(run_cli, built_index, seeds_dir):
    before = _state(built_index.parent)
    _read(run_cli, built_index, seeds_dir)
    assert _state(built_index.parent) == before  # no -wal or -shm left beside it


def test_readers_work_in_a_read_only_folder(run_cli, built_index, seeds_dir, make_read_only):
    folder = built_index.parent / "readonly"
    folder.mkdir()
    index = built_index.rename(folder / "index.sqlite")
    before = _state(folder)
    make_read_only(folder)
    _read(run_cli, index, seeds_dir)
    assert _state(folder) == before


@pytest.mark.parametrize("frozen", ["file", "folder"])
def test_scan_into_a_read_only_index_says_so(run_cli, built_index, seeds_dir, make_read_only, frozen):
    make_read_only(built_index if frozen == "file" else built_index.parent)
    for command in (("scan", str(seeds_dir)), ("check", str(seeds_dir), "--update")):
        result = run_cli(*command, "--index", str(built_index))
        assert result.code == 2 and result.err.startswith(f"error: {built_index}: the index is read-only"), result.err
        assert result.err.count("\n") == 1


def test_a_missing_folder_is_named(run_cli, seeds_dir):
    result = run_cli("scan", str(seeds_dir), "--index", "nodir/sub/index.sqlite")
    assert result.code == 2 and "folder nodir/sub does not exist" in result.err, result.err


def test_sqlite_errors_are_translated_at_the_store_boundary(built_index):
    index = Index.open(built_index)
    index.connection.execute("PRAGMA query_only = ON")  # every write now fails as on a read-only file
    with pytest.raises(IndexError_, match="the index is read-only"), index:
        index.set_paths([("renamed.txt", 1)])


def test_a_damaged_blob_is_a_corrupt_index_not_a_crash(run_cli, built_index, seeds_dir):
    """The store's own checks raise ``sqlite3.DatabaseError`` (here: a truncated key run
    read by matching); it must reach the user as a corrupt index, not a crash."""
    with sqlite3.connect(built_index) as db:
        db.execute("UPDATE key_runs SET keys = substr(keys, 1, 64)")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'matched_through'")  # matching reads them again
    result = run_cli("scan", str(seeds_dir), "--index", str(built_index))
    assert "unexpected" not in result.err and "Traceback" not in result.err
    assert result.code == 2 and "corrupt" in result.err, result.err


# -- creating an index (issue 11, item 3) --------------------------------------------------


def test_opening_waits_for_another_process_creating_the_index(tmp_path):
    """The file exists (SQLite wrote its header) before the creator commits the schema:
    an opener must wait for the creator's write lock, not call the file foreign."""
    path = tmp_path / "new.sqlite"
    config = Config()
    creator = sqlite3.connect(path, isolation_level=None)
    creator.execute("PRAGMA journal_mode = WAL")
    creator.execute("BEGIN IMMEDIATE")
    creator.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in DDL.split(";"):
        if statement.strip():
            creator.execute(statement)
    creator.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
        ("schema_version", str(SCHEMA_VERSION)), ("config", config.to_json()), ("fingerprint", config.fingerprint)])
    outcome: dict[str, object] = {}

    def open_index() -> None:
        try:
            with Index.open(path) as index:
                outcome["fingerprint"] = index.config.fingerprint
        except ProvenanceError as exc:  # reported by the assertion below
            outcome["error"] = exc

    opener = threading.Thread(target=open_index)
    opener.start()
    opener.join(0.3)
    creator.execute("COMMIT")
    creator.close()
    opener.join(30)
    assert outcome == {"fingerprint": config.fingerprint}


_OTHER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
db.execute(sys.argv[2]).fetchall()
db.close()
"""


@pytest.mark.parametrize(("how", "statement"), [
    ("open", "INSERT OR REPLACE INTO meta (key, value) VALUES ('other', '1')"),
    ("sandbox", "SELECT COUNT(*) FROM meta"),  # a sandbox holds the write lock: others only read
])
def test_an_open_index_keeps_its_wal_when_another_connection_closes(built_index, how, statement):
    """An open index holds its lock for as long as it is open: another process that uses
    the file and closes meanwhile neither folds the ``-wal`` in nor deletes it. (Reading
    the file beside an open connection used to drop that lock: two scans of one folder
    then lost the later one's commits.)"""
    opened = Index.open(built_index) if how == "open" else Index.sandbox(built_index)
    assert opened is not None
    with opened as index:
        index.connection.execute("SELECT COUNT(*) FROM meta").fetchone()
        wal = built_index.with_name(built_index.name + "-wal")
        assert wal.exists()
        subprocess.run([sys.executable, "-c", _OTHER, str(built_index), statement], check=True, timeout=120)
        assert wal.exists(), "the other connection took the index as its own and removed the -wal"


def test_switching_a_new_file_to_wal_tries_again_when_told_busy_at_once(monkeypatch):
    """Two scans creating one new index both want it exclusively to switch its journal;
    SQLite tells one "database is locked" without waiting. That one must try again
    rather than fail (the loser of the race exited 2 about once in ten concurrent runs)."""
    from provenance.store import opening

    class Racing:
        def __init__(self, refusals: int) -> None:
            self.refusals, self.calls = refusals, 0

        def execute(self, statement: str) -> None:
            self.calls += 1
            if self.calls <= self.refusals:
                busy = sqlite3.OperationalError("database is locked")
                busy.sqlite_errorname = "SQLITE_BUSY"
                raise busy

    monkeypatch.setattr(opening, "_WAL_RETRY_SECONDS", 0.001)
    racing = Racing(refusals=3)
    opening._switch_to_wal(racing)  # type: ignore[arg-type]
    assert racing.calls == 4
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    with pytest.raises(sqlite3.OperationalError):  # past the busy timeout, the error stands
        opening._switch_to_wal(Racing(refusals=10**6))  # type: ignore[arg-type]
