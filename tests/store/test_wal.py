"""A ``-wal`` holds commits only if a frame of its current generation marks one."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from provenance.store.wal import holds_commits


def _database(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE t (x BLOB)")
    return db


def _rolled_back_wal(path: Path) -> bytes:
    """The ``-wal`` of a transaction whose pages spilled before it was rolled back."""
    wal = path.with_name(path.name + "-wal")
    with closing(_database(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA cache_size = 2")  # pages spill to the -wal mid-transaction
        db.execute("BEGIN")
        db.executemany("INSERT INTO t VALUES (?)", [(bytes(3000),)] * 50)
        spilled = wal.read_bytes()
        db.execute("ROLLBACK")
    return spilled


def test_no_file_or_an_empty_one_holds_no_commit(tmp_path):
    assert not holds_commits(tmp_path / "absent-wal")
    (tmp_path / "empty-wal").write_bytes(b"")
    assert not holds_commits(tmp_path / "empty-wal")


def test_committed_frames_are_found(tmp_path):
    path = tmp_path / "db.sqlite"
    with closing(_database(path)) as db:
        db.execute("INSERT INTO t VALUES (x'00')")
        assert holds_commits(path.with_name(path.name + "-wal"))


def test_frames_of_a_rolled_back_transaction_are_not_commits(tmp_path):
    spilled = _rolled_back_wal(tmp_path / "db.sqlite")
    assert len(spilled) > 32 * 1024  # frames were written (so the test can fail)
    (tmp_path / "left-wal").write_bytes(spilled)
    assert not holds_commits(tmp_path / "left-wal")


def test_what_is_not_understood_counts_as_commits(tmp_path):
    for name, data in (("short", b"\x37\x7f\x06\x82"), ("garbage", bytes(range(256)) * 4)):
        (tmp_path / name).write_bytes(data)
        assert holds_commits(tmp_path / name), name
