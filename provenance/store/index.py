"""The SQLite provenance index: documents, passages, band keys, matches and findings.

The parent process is the only writer. Each scan batch (documents, their units, band
keys and verified matches) is one transaction, and :meth:`Index.refresh` recomputes
boilerplate and findings in another, so a killed scan leaves whole documents or none.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, Self

from provenance._version import __version__
from provenance.config import Config
from provenance.errors import ConfigMismatchError, IndexError_, SchemaError
from provenance.store.keyruns import drop_empty_runs, record_dead
from provenance.store.opening import (
    absent_companions,
    check_header,
    check_writable,
    connect,
    connect_sandbox,
    initialise,
    mismatch_message,
    release,
    rollback,
    translate,
    validate,
)
from provenance.store.schema import (
    DOCUMENT_STAMPS_INDEX,
    FINGERPRINT_INDEX,
    FINGERPRINT_INDEX_DDL,
    OPTIONAL_INDEXES,
    index_exists,
    index_hint,
    optional_index_ddl,
)
from provenance.store.stale import note_deleted

__all__ = ["Index", "StoredDocument", "delete_documents"]

#: From this many files on, :meth:`Index.documents_at` may read the whole table instead.
_WHOLE_READ_FILES = 10_000



def delete_documents(db: sqlite3.Connection, doc_ids: Sequence[int]) -> None:
    """Delete documents (and, by cascade, their passages, units and matches); their
    units' band keys are marked dead in the same transaction, and what the next findings
    refresh must look at again is noted (:mod:`provenance.store.stale`)."""
    record_dead(db, doc_ids)
    note_deleted(db, doc_ids)
    db.executemany("DELETE FROM documents WHERE id = ?", [(int(i),) for i in doc_ids])


class StoredDocument(NamedTuple):
    """What a scan compares a file with (a named tuple: a rescan makes one per stored file)."""

    id: int
    path: str
    source: str
    content_hash: str
    size: int
    mtime_ns: int


class Index:
    """An open index file. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, connection: sqlite3.Connection, config: Config, readonly: bool) -> None:
        self.path = path
        self.connection = connection
        self.config = config
        self.readonly = readonly
        #: What opening mended (damage earlier versions left), one phrase each.
        self.repaired: tuple[str, ...] = ()
        self._absent_companions: tuple[Path, ...] = ()
        #: Every write is rolled back on close (:meth:`sandbox`).
        self.sandboxed = False
        #: Deleted after use (a scratch copy): lookup state is not worth building in it.
        self.disposable = False
        #: The highest unit range end stored when first asked (:meth:`next_ids`).
        self._stored_stop: int | None = None

    # -- opening -------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, config: Config | None = None, *, readonly: bool = False) -> Index:
        """Open (or, unless read-only, create) the index at ``path``.

        ``config`` is the matching configuration asked for; ``None`` means "whatever the
        index was built with" (or the defaults for a new index). A different config is
        refused rather than mixing incompatible signatures. A read-only open writes
        nothing, not even beside the file; a writable one fails at once on a file or
        folder it cannot write, and mends damage earlier versions left (:attr:`repaired`).
        """
        path = Path(path)
        if not readonly and not path.parent.is_dir():
            raise IndexError_(f"{path}: folder {path.parent} does not exist; create it or pass another --index")
        exists = path.exists() and path.stat().st_size > 0
        if not exists and readonly:
            raise IndexError_(f"{path}: no index here yet; build one with 'provenance scan PATH --index {path}'")
        header = check_header(path) if exists else None  # before connecting: see check_header
        absent = absent_companions(path) if readonly else ()
        connection = connect(path, readonly)
        try:
            stored = None if readonly else initialise(connection, config or Config())
            if stored is None:
                stored = validate(connection, path, readonly, header)
            if config is not None and config.fingerprint != stored.fingerprint:
                raise ConfigMismatchError(mismatch_message(path, stored, config))
            index = cls(path, connection, stored, readonly)
            index._absent_companions = absent
            if not readonly:
                check_writable(connection)
                index.repaired = index._repair()
        except BaseException as exc:
            release(connection, path, absent)
            if isinstance(exc, sqlite3.Error) and (error := translate(exc, path)) is not None:
                raise error from exc
            raise
        return index

    @classmethod
    def sandbox(cls, path: str | Path) -> Index | None:
        """Open an existing index so that nothing written to it is ever committed: one
        transaction from open to close, rolled back then (each :meth:`transaction` is a
        savepoint inside it). ``check`` and ``trace`` scan into it exactly as ``scan``
        would, without copying the file and without changing a byte of it (the writes go
        to the ``-wal`` only, see :func:`~provenance.store.opening.connect_sandbox`).

        ``None`` when the file cannot be used so (see there): the caller works on a copy.
        Other writers wait while a sandbox is open; readers do not.
        """
        path = Path(path)
        if not (path.exists() and path.stat().st_size > 0):
            return None
        header = check_header(path)
        absent = absent_companions(path)
        connection = connect_sandbox(path)
        if connection is None:
            return None
        try:
            index = cls(path, connection, validate(connection, path, readonly=True, header=header), readonly=False)
            index.sandboxed = True
            index._absent_companions = absent
            index.repaired = index._repair()
        except BaseException as exc:
            rollback(connection)
            release(connection, path, absent)
            if isinstance(exc, sqlite3.Error) and (error := translate(exc, path)) is not None:
                raise error from exc
            raise
        return index

    def _repair(self) -> tuple[str, ...]:
        """Mend what earlier versions or a killed scan left and a writer can fix in place
        (never a rebuild)."""
        mended: list[str] = []
        if not self.has_fingerprint_index():
            # A first scan builds it after its batches (writer.FingerprintIndex): it was killed.
            self.build_fingerprint_index()
            mended.append("built the paragraphs' fingerprint index an interrupted scan left out")
        missing = [] if self.sandboxed else [name for name in OPTIONAL_INDEXES if not index_exists(self.connection, name)]
        if missing:
            # Not a repair (nothing is said): a file from before them gains them once.
            with self.transaction(findings_current=None) as db:
                for name in missing:
                    db.execute(optional_index_ddl(name))
        if self.connection.execute("SELECT 1 FROM key_runs WHERE stop_unit <= first_unit LIMIT 1").fetchone():
            with self.transaction(findings_current=None) as db:
                dropped = drop_empty_runs(db)
            if dropped:
                mended.append(f"removed {dropped} empty key run{'s' if dropped != 1 else ''}")
        return tuple(mended)

    def has_fingerprint_index(self) -> bool:
        """Whether ``paragraphs_fingerprint`` exists (a first scan leaves it out while
        it writes its batches: :class:`provenance.store.writer.FingerprintIndex`)."""
        return index_exists(self.connection, FINGERPRINT_INDEX)

    def build_fingerprint_index(self) -> None:
        """Build ``paragraphs_fingerprint`` if it is missing (one sort of the paragraphs)."""
        with self.transaction(findings_current=None) as db:
            db.execute(FINGERPRINT_INDEX_DDL)

    def close(self) -> None:
        if self.sandboxed and self.connection.in_transaction:
            self.connection.execute("ROLLBACK")
        release(self.connection, self.path, self._absent_companions)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, traceback: object) -> None:
        """Close; an ``sqlite3`` error of a known kind leaves as a :class:`ProvenanceError`."""
        self.close()
        if isinstance(exc, sqlite3.Error) and (error := translate(exc, self.path)) is not None:
            raise error from exc

    @contextmanager
    def transaction(self, findings_current: bool | None = False) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on any exception (incl. Ctrl-C).

        A write marks the stored findings stale (``findings_current=False``) in the same
        transaction, so a scan killed before its refresh is refreshed by the next one;
        the refresh marks them current (``True``); ``None`` leaves the mark alone.
        """
        begin, commit, undo = (("SAVEPOINT write", "RELEASE write", "ROLLBACK TO write; RELEASE write")
                                   if self.sandboxed else ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"))
        # BEGIN and COMMIT inside the try: a Ctrl-C raised between two statements must not
        # leave a transaction open (the next BEGIN would fail, and what it guards with it).
        committed = False
        try:
            self.connection.execute(begin)
            yield self.connection
            if findings_current is not None:
                self.connection.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('findings_current', ?)", (str(int(findings_current)),)
                )
            self.connection.execute(commit)
            committed = True
        except BaseException:
            if not committed:
                rollback(self.connection, undo)
            raise

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read snapshot across several statements (concurrent writers cannot shift
        what is read): a report read while a scan commits batches joins no half of one
        batch with half of the next. Inside an open transaction (a sandbox is one from
        open to close, or another snapshot or write), that transaction already is one."""
        if self.connection.in_transaction:
            yield self.connection
            return
        try:
            self.connection.execute("BEGIN")
            yield self.connection
        finally:
            if self.connection.in_transaction:
                self.connection.execute("COMMIT")

    @property
    def throwaway(self) -> bool:
        """Rolled back (a sandbox) or deleted (a scratch copy) after use: what only later
        scans would read (lookup segments, cluster state) need not be built in it."""
        return self.sandboxed or self.disposable

    @property
    def findings_current(self) -> bool:
        """Whether the stored findings reflect every committed write (a missing mark: no)."""
        return self.meta("findings_current") == "1"

    def findings_count(self) -> int:
        return int(self.connection.execute("SELECT COUNT(*) FROM reuses").fetchone()[0])

    # -- documents -----------------------------------------------------------------
    def stored_documents(self) -> dict[str, StoredDocument]:
        rows = self.connection.execute("SELECT id, path, source, content_hash, size, mtime_ns FROM documents "
                                       + index_hint(self.connection, DOCUMENT_STAMPS_INDEX))
        return {row[2]: StoredDocument(*row) for row in rows}

    def documents_at(self, files: Sequence[str], feeds: Sequence[str] = ()) -> dict[str, StoredDocument]:
        """The stored documents of these absolute file paths and of every record of these
        feed files (sources ``FEED#N``), by source: looked up through the unique index on
        ``source``, so a day's files cost what they are, not what the index holds."""
        db = self.connection
        if len(files) >= _WHOLE_READ_FILES and len(files) * 4 > self._document_bound():
            # A quarter of the index or more asked for (a folder rescanned): one pass over
            # the table beats a lookup per file (100k files: 0.7 s against 2.2 s).
            stored = self.stored_documents()
            found = {file: stored[file] for file in files if file in stored}
            return found | (self.documents_at([], feeds) if feeds else {})
        db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_sources (source TEXT PRIMARY KEY, feed INTEGER NOT NULL) WITHOUT ROWID")
        db.execute("DELETE FROM temp.wanted_sources")
        db.executemany("INSERT OR IGNORE INTO temp.wanted_sources VALUES (?, ?)",
                       [(file, 0) for file in files] + [(feed, 1) for feed in feeds])
        columns = "d.id, d.path, d.source, d.content_hash, d.size, d.mtime_ns"
        rows = db.execute(
            f"""SELECT {columns} FROM temp.wanted_sources AS w JOIN documents AS d ON d.source = w.source WHERE w.feed = 0
                UNION ALL
                SELECT {columns} FROM temp.wanted_sources AS w JOIN documents AS d
                ON d.source >= w.source || '#' AND d.source < w.source || '$' WHERE w.feed = 1""").fetchall()
        db.execute("DELETE FROM temp.wanted_sources")
        return {row[2]: StoredDocument(*row) for row in rows}

    def _document_bound(self) -> int:
        """At least the number of stored documents: the largest id."""
        return int(self.connection.execute("SELECT COALESCE(MAX(id), 0) FROM documents").fetchone()[0])

    def set_paths(self, updates: Sequence[tuple[str, int]]) -> None:
        with self.transaction(findings_current=None) as db:  # display paths are read at report time
            db.executemany("UPDATE documents SET path = ? WHERE id = ?", updates)

    @property
    def root(self) -> str | None:
        """The folder display paths are relative to (:mod:`provenance.ingest.roots`);
        ``None`` for an index written before roots were stored."""
        return self.meta("path_root")

    def set_root(self, root: str, updates: Sequence[tuple[str, int]]) -> None:
        """Store a new root with the display paths it changes, in one transaction (a
        killed scan never leaves paths relative to one root and the other stored)."""
        with self.transaction(findings_current=None) as db:
            db.executemany("UPDATE documents SET path = ? WHERE id = ?", updates)
            self.set_meta(db, "path_root", root)

    def remove_documents(self, doc_ids: Sequence[int]) -> None:
        if not doc_ids:
            return
        with self.transaction() as db:
            delete_documents(db, doc_ids)

    def document_text(self, doc_id: int) -> str:
        row = self.connection.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise IndexError_(f"document {doc_id} is not in the index")
        return zlib.decompress(row[0]).decode("utf-8", "surrogatepass")

    def next_ids(self) -> tuple[int, int]:
        """Ids for the next document and unit. Unit ids are never reused (band-key runs
        address units by position), so the high-water mark is kept in ``meta``."""
        doc = self.connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM documents").fetchone()[0]
        if self._stored_stop is None:
            # Read once per connection (a scan of every article's range, ~50 ms at 100k,
            # per batch): every write since stores ``next_unit`` past its own units.
            self._stored_stop = int(self.connection.execute("SELECT COALESCE(MAX(stop), 1) FROM doc_units").fetchone()[0])
        return int(doc), max(self._stored_stop, self.meta_int("next_unit", 1))

    @property
    def matched_through(self) -> int:
        """Units with smaller ids have had their candidates found and verified."""
        return self.meta_int("matched_through", 1)

    def meta_int(self, key: str, default: int) -> int:
        value = self.meta(key)
        try:
            return default if value is None else int(value)
        except ValueError as exc:
            raise SchemaError(f"{self.path}: the index's {key} mark is unreadable; rebuild it with a fresh --index") from exc

    def set_meta(self, db: sqlite3.Connection, key: str, value: object) -> None:
        """Inside a transaction: store ``meta[key]``."""
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, str(value)))

    # -- matching support ----------------------------------------------------------
    def record_scan(self, seen: int, added: int, changed: int, removed: int, skipped: int, findings: int) -> None:
        """Append to the scan log (when the index was last brought up to date, and how)."""
        with self.transaction(findings_current=None) as db:
            db.execute(
                "INSERT INTO scans (finished, tool_version, seen, added, changed, removed, skipped, findings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(timespec="seconds"), __version__, seen, added, changed, removed, skipped, findings),
            )

    def meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])
