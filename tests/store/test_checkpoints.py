"""A writing scan's checkpoints run on a helper thread: the writer never checkpoints
itself meanwhile, what it commits reaches the index file, and its own setting comes back."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from provenance import Index
from provenance.store import checkpoints
from provenance.store.checkpoints import BackgroundCheckpoints


def _commit_rows(index: Index, first: int, count: int) -> None:
    with index.transaction(findings_current=None) as db:
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                       [(f"row{n}", "x" * 2000) for n in range(first, first + count)])


def _frames(path: Path) -> tuple[int, int]:
    """``(frames in the -wal, frames copied into the file)`` seen by a passive checkpoint
    of another connection (which copies nothing new when nothing waits)."""
    with sqlite3.connect(path) as other:
        _, log, copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return log, copied


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_commits_are_checkpointed_by_the_helper_and_the_writer_keeps_its_setting(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "INTERVAL", 0.01)
    with Index.open(tmp_path / "ix.sqlite") as index:
        setting = index.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert setting > 0
        with BackgroundCheckpoints(index) as helper:
            assert index.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > setting
            for batch in range(5):
                _commit_rows(index, batch * 50, 50)
                assert _wait_for(lambda done=batch: helper.runs > done), "each commit is checkpointed soon after"
        assert index.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == setting
        assert helper.runs >= 5
        log, copied = _frames(index.path)
        assert log == copied, "everything committed reached the index file"
        assert index.connection.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'row%'").fetchone()[0] == 250


def test_no_commit_no_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "INTERVAL", 0.01)
    with Index.open(tmp_path / "ix.sqlite") as index:
        with BackgroundCheckpoints(index) as helper:
            time.sleep(0.1)
        assert helper.runs == 0


@pytest.mark.parametrize("kind", ["sandbox", "disposable"])
def test_an_index_thrown_away_after_use_gets_no_helper(tmp_path, kind):
    path = tmp_path / "ix.sqlite"
    with Index.open(path) as index:
        _commit_rows(index, 0, 10)
    opened = Index.sandbox(path) if kind == "sandbox" else Index.open(path)
    assert opened is not None
    with opened as index:
        index.disposable = kind == "disposable"
        setting = index.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        with BackgroundCheckpoints(index) as helper:
            assert index.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == setting
        assert helper.runs == 0


def test_the_wal_stays_bounded_while_the_helper_checkpoints(tmp_path, monkeypatch):
    """The helper runs a commit behind, so the writer's own checkpoints (now rare) are what
    let SQLite start the ``-wal`` over: without them it would grow with everything written."""
    monkeypatch.setattr(checkpoints, "INTERVAL", 0.01)
    monkeypatch.setattr(checkpoints, "WRITER_BYTES", 256 << 10)
    with Index.open(tmp_path / "ix.sqlite") as index:
        wal = tmp_path / "ix.sqlite-wal"
        largest = 0
        with BackgroundCheckpoints(index):
            for batch in range(120):  # ~12 MB in all
                _commit_rows(index, batch * 50, 50)
                largest = max(largest, wal.stat().st_size)
        # Commits this close together race the helper, whose checkpoint the writer's can
        # find running (and skip): the -wal peaked at 0.8-2.3 MB, 4.5 MB with the machine's
        # two cores loaded twice over; it is ~12 MB without the writer's own checkpoints.
        assert largest < 6 << 20
