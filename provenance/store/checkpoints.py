"""Checkpoints of a writing scan on a helper thread, off its critical path.

In WAL mode a commit appends pages to the ``-wal`` file; a **checkpoint** copies them
into the index file and waits for two ``fsync`` calls. SQLite runs one in the committing
connection whenever the ``-wal`` has grown past ``wal_autocheckpoint`` pages, so the
scan's main thread stopped for every one of them: at 100k articles a first scan writes
~13 GB (the 6.6 GB file twice), and its commits took ~30 s of the main thread's ~215 s.

While a scan writes, :class:`BackgroundCheckpoints` runs ``PRAGMA
wal_checkpoint(PASSIVE)`` on its own connection, on a helper thread (SQLite releases the
GIL while it copies and syncs), once the scan has committed since the last one and at
most every :data:`INTERVAL` seconds. A passive checkpoint never blocks a writer or a
reader, and a crash loses nothing a commit made durable: the pages stay in the ``-wal``
until copied. The writer still checkpoints itself, but only every :data:`WRITER_BYTES`:
SQLite starts the ``-wal`` over only when a write begins with every frame copied, which
the helper, a commit behind, never achieves; by then it has copied all but the last
commit's frames. When the scan is done, the writer's own setting is restored (closing
the last connection checkpoints the rest).
"""

from __future__ import annotations

import sqlite3
import threading
from types import TracebackType
from typing import Self

from provenance.store.index import Index

__all__ = ["INTERVAL", "WRITER_BYTES", "BackgroundCheckpoints"]

#: Seconds between two checkpoints at most (a first scan commits a batch about as often).
INTERVAL = 0.25
#: The writer's own checkpoints, while the helper runs (the ``-wal`` stays about this size).
WRITER_BYTES = 256 << 20


class BackgroundCheckpoints:
    """Checkpoint ``index`` on a helper thread while its connection writes (a context
    manager; nothing for an index thrown away after use, whose writes never last)."""

    def __init__(self, index: Index) -> None:
        self._path, self._connection, self._enabled = index.path, index.connection, not index.throwaway
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._setting = 0
        #: Checkpoints run.
        self.runs = 0

    def __enter__(self) -> Self:
        if not self._enabled:
            return self
        try:
            helper = sqlite3.connect(f"{self._path.resolve().as_uri()}?mode=rw", uri=True, check_same_thread=False)
        except sqlite3.Error:
            return self  # the writer checkpoints itself, as without a helper
        try:
            # Read here, not on the thread: a commit made before it starts must count as one.
            seen = helper.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            helper.close()
            return self
        self._setting = self._connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        page_size = self._connection.execute("PRAGMA page_size").fetchone()[0]
        self._connection.execute(f"PRAGMA wal_autocheckpoint = {max(1, WRITER_BYTES // page_size)}")
        self._thread = threading.Thread(target=self._run, args=(helper, seen), name="provenance-checkpoint",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._connection.execute(f"PRAGMA wal_autocheckpoint = {self._setting}")

    def _run(self, helper: sqlite3.Connection, seen: int) -> None:
        try:
            while not self._stop.wait(INTERVAL):
                version = helper.execute("PRAGMA data_version").fetchone()[0]  # moves when another connection commits
                if version == seen:
                    continue
                seen = version
                helper.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # busy when another one runs: the next will
                self.runs += 1
        except sqlite3.Error:
            pass  # the writer's own checkpoints (at close, or the next scan's) fold the rest in
        finally:
            helper.close()
