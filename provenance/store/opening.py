"""Opening an index file we may not have written: create, validate, migrate.

An index can come from a CI cache or a colleague, so it is treated as untrusted input:
the SQLite header and ``application_id`` are checked before use, ``trusted_schema`` is
off (and the defensive flag on where Python exposes it), triggers and views are refused,
every table must have the columns we expect, the file must hold the pages its header
counts, ``PRAGMA quick_check`` must pass on a file of up to :data:`QUICK_CHECK_MAX_BYTES`
(beyond, it would cost more than the work: ~2 minutes for a 5 GB index; SQLite's
defensive reading and ``cell_size_check`` then catch a damaged page when it is read, as a
:class:`SchemaError`, and ``doctor`` runs the full check), and the
schema version must be one we can read (older ones are migrated in a transaction).
Every failure is a :class:`SchemaError` naming the file, what is wrong and what to do.

Readers never write, not even beside the file (:func:`connect`, :func:`release`), and
every ``sqlite3`` error of a known kind (read-only, busy, corrupt, disk full) becomes an
error of the project's tree here (:func:`translate`), so none reaches a user as a crash.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

from provenance._version import __version__
from provenance.config import Config, describe_differences
from provenance.errors import IndexError_, ProvenanceError, SchemaError
from provenance.store.migrations import MIGRATIONS, SANDBOX_MIGRATIONS
from provenance.store.schema import APPLICATION_ID, DDL, EXPECTED_COLUMNS, SCHEMA_VERSION
from provenance.store.wal import holds_commits

__all__ = ["BUSY_TIMEOUT_MS", "QUICK_CHECK_MAX_BYTES", "SANDBOX_MIGRATES_FROM", "absent_companions", "check_header", "check_writable", "connect", "connect_sandbox",
           "initialise", "mismatch_message", "release", "rollback", "translate", "validate"]

BUSY_TIMEOUT_MS = 120_000
#: Pause before switching a new file to WAL again after a concurrent opener locked it.
_WAL_RETRY_SECONDS = 0.05
#: Larger files skip ``PRAGMA quick_check`` on open (its cost grows with the file).
QUICK_CHECK_MAX_BYTES = 64 << 20
#: Page size of a new index: a scan writes ~45 KB of blobs per article, which fills fewer
#: pages (and overflow chains) of 16 KiB than of SQLite's default 4 KiB.
PAGE_SIZE = 16_384
#: A writer folds its WAL into the file once it holds this much (SQLite's default is 1,000
#: pages, ~4 MB): each checkpoint waits for two fsyncs, so a scan that writes ~50 KB per
#: article spent more time waiting for checkpoints than inserting rows.
CHECKPOINT_BYTES = 64 << 20
#: A writer's page cache, in KiB (SQLite's default is 2 MiB): a batch's random inserts
#: into ``paragraphs_fingerprint`` and the scan's matching and refresh joins stay in memory.
CACHE_KIB = 65_536
_SQLITE_MAGIC = b"SQLite format 3\x00"
_REBUILD = "rebuild it by scanning into a fresh --index"
_READ_ONLY_HINT = "scan into a copy of it in a folder you can write ('provenance check' never writes the index)"


def check_header(path: Path) -> bytes:
    """Refuse anything that is not an SQLite 3 file before SQLite parses it; return the
    file's 100-byte header (what :func:`validate` checks the file's length against).

    Read before any connection to the file is opened, never after: POSIX drops every lock
    a process holds on a file when it closes *any* descriptor of it, so reading the file
    beside an open connection silently releases that connection's lock. Another scan
    closing its connection then takes the file for itself, folds the ``-wal`` in and
    deletes it while this one still writes there: its later commits are lost.
    """
    try:
        with path.open("rb") as handle:
            magic = handle.read(100)
    except OSError as exc:
        raise IndexError_(f"{path}: cannot read the index ({exc.strerror or exc})") from exc
    if magic[:16] != _SQLITE_MAGIC:
        raise SchemaError(f"{path}: not a passage-provenance index (not an SQLite file); pass another --index or move it away")
    if len(magic) < 100:
        raise SchemaError(f"{path}: the index is truncated; {_REBUILD}")
    return magic


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    """A configured connection: read-write (creating the file), or read-only.

    A reader opens with ``mode=ro``. A WAL index needs ``-wal`` and ``-shm`` files beside
    it; when SQLite cannot create them (a read-only folder or medium) and no writer has
    changes waiting in a ``-wal``, the file is opened ``immutable`` instead, which reads
    the file alone. Files ``mode=ro`` had to create are removed by :func:`release`.
    """
    if not readonly:
        connection = _configured(path, "mode=rwc")
        try:
            # Set before WAL, so it takes effect on a new file only (an existing one keeps its own).
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            _switch_to_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            page_size = connection.execute("PRAGMA page_size").fetchone()[0]
            connection.execute(f"PRAGMA wal_autocheckpoint = {max(1000, CHECKPOINT_BYTES // page_size)}")
            connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlite3.Error as exc:
            connection.close()
            raise _translated(exc, path) from exc
        return connection
    connection = _configured(path, "mode=ro")
    try:
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # opens the WAL
    except sqlite3.Error as exc:
        connection.close()
        wal = path.with_name(path.name + "-wal")
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN" or (wal.exists() and wal.stat().st_size):
            raise _translated(exc, path) from exc
        return _configured(path, "mode=ro&immutable=1")
    return connection


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """``journal_mode = WAL``, waiting for a concurrent opener as a busy handler would.

    Two scans creating the same new file at once both read its header and both want it
    exclusively to switch the journal; SQLite answers one of them "database is locked" at
    once (waiting could deadlock), without its busy handler. That one tries again.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY") or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


#: The oldest schema a sandbox migrates in its transaction: the steps from it on keep every
#: stored table usable (tables added or rewritten); older ones mark documents for re-reading.
SANDBOX_MIGRATES_FROM = 7


def connect_sandbox(path: Path) -> sqlite3.Connection | None:
    """A writable connection to an existing, current WAL index, inside a transaction that
    its holder never commits (``Index.sandbox``); ``None`` when that would not leave the
    file's bytes as they are, or cannot be had: not in WAL mode (switching writes the
    header), a ``-wal`` with committed changes waiting (closing would checkpoint them
    into the file; :mod:`provenance.store.wal`), a schema older than
    :data:`SANDBOX_MIGRATES_FROM` (its steps mark documents for re-reading), or a file
    or folder we cannot write. A schema from :data:`SANDBOX_MIGRATES_FROM` on is migrated
    inside the transaction, so it is rolled back with the rest: a CI job checking
    against a cached index made by an older version neither copies nor changes it.

    In WAL mode the file itself is written only by checkpoints of committed frames, so
    what the holder writes goes to the ``-wal`` and vanishes with the rollback.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
        if header[18:20] != b"\x02\x02" or holds_commits(wal):
            return None
    except OSError:
        return None
    absent = absent_companions(path)
    try:
        connection = _configured(path, "mode=rw")
    except ProvenanceError:
        return None
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM meta WHERE 0")  # SQLITE_READONLY now, not after the work
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row is not None and str(row[0]).isdigit() else -1
        if not SANDBOX_MIGRATES_FROM <= version <= SCHEMA_VERSION:
            raise sqlite3.OperationalError("a schema the sandbox cannot migrate")
        for step in range(version, SCHEMA_VERSION):  # inside the transaction: rolled back with the rest
            _migrate_step(connection, step, SANDBOX_MIGRATIONS)
    except (sqlite3.Error, SchemaError):
        rollback(connection)
        release(connection, path, absent)
        return None
    return connection


def _configured(path: Path, query: str) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                     isolation_level=None)
    except sqlite3.Error as exc:
        raise _translated(exc, path) from exc
    try:
        if hasattr(connection, "setconfig") and hasattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE"):
            connection.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, True)  # Python >= 3.12
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA cell_size_check = ON")
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        connection.close()
        raise _translated(exc, path) from exc
    return connection


def absent_companions(path: Path) -> tuple[Path, ...]:
    """The ``-wal``/``-shm`` files not beside ``path`` now (a reader must not leave them)."""
    return tuple(p for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if not p.exists())


def release(connection: sqlite3.Connection, path: Path, absent: Sequence[Path] = ()) -> None:
    """Close ``connection``, then remove the ``-wal``/``-shm`` files among ``absent`` that
    opening it created.

    SQLite removes them when the last connection able to write closes, and only then, so
    a connection that could write is opened and closed without writing: a writer that
    started meanwhile keeps its files, and a ``-wal`` holding changes is left to its writer.
    """
    connection.close()
    wal = path.with_name(path.name + "-wal")
    if not any(p.exists() for p in absent) or (wal.exists() and wal.stat().st_size):
        return
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)) as tidy:
            tidy.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, OSError):
        pass  # the files are harmless; SQLite removes them after the next write


def translate(exc: sqlite3.Error, path: Path) -> ProvenanceError | None:
    """The project's error for an ``sqlite3`` error on the index at ``path``; ``None`` for
    the kinds that are bugs of ours (API misuse, broken constraints), which stay crashes."""
    if isinstance(exc, sqlite3.InterfaceError | sqlite3.ProgrammingError | sqlite3.IntegrityError | sqlite3.NotSupportedError):
        return None
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name.startswith("SQLITE_READONLY"):
        return IndexError_(f"{path}: the index is read-only ({exc}); {_READ_ONLY_HINT}")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return IndexError_(f"{path}: the index is busy (another scan holds it); try again when it has finished")
    if name.startswith("SQLITE_CANTOPEN"):
        folder = path.parent
        if not folder.is_dir():
            return IndexError_(f"{path}: folder {folder} does not exist; create it or pass another --index")
        if path.exists():
            return IndexError_(f"{path}: the index is read-only (SQLite cannot create its -wal and -shm files in folder "
                               f"{folder}); {_READ_ONLY_HINT}")
        return IndexError_(f"{path}: cannot create the index: folder {folder} is not writable; pass another --index")
    if name.startswith("SQLITE_FULL"):
        return IndexError_(f"{path}: the disk is full ({exc}); free some space and run again: the index holds what was committed")
    if name.startswith("SQLITE_IOERR"):
        return IndexError_(f"{path}: cannot read or write the index ({exc})")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (not name and isinstance(exc, sqlite3.DatabaseError)):
        return SchemaError(f"{path}: the index is corrupt ({exc}); {_REBUILD}")  # no name: raised by our own checks
    return None


def _translated(exc: sqlite3.Error, path: Path) -> ProvenanceError:
    """:func:`translate`, with anything unknown while opening taken as a damaged file."""
    return translate(exc, path) or SchemaError(f"{path}: cannot open the index ({exc}); {_REBUILD}")


def rollback(connection: sqlite3.Connection, statements: str = "ROLLBACK") -> None:
    """Undo the open transaction: nothing when SQLite did so itself (a full disk, I/O)."""
    if connection.in_transaction:
        for statement in statements.split("; "):
            connection.execute(statement)


def initialise(connection: sqlite3.Connection, config: Config) -> Config | None:
    """Create the schema and metadata if the file holds nothing yet; ``None`` when it does
    (then :func:`validate` it).

    The check and the creation happen under one write lock (``BEGIN IMMEDIATE``): SQLite
    writes the file's header before a creator commits the schema, so two scans creating
    one index at the same moment would otherwise see each other's half-made file.
    """
    try:
        connection.execute("BEGIN IMMEDIATE")
        empty = (connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
                 and connection.execute("PRAGMA application_id").fetchone()[0] == 0)
        if empty:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in DDL.split(";"):  # not executescript: it would commit first
                if statement.strip():
                    connection.execute(statement)
            connection.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [
                ("schema_version", str(SCHEMA_VERSION)), ("config", config.to_json()),
                ("fingerprint", config.fingerprint), ("created_by", f"passage-provenance {__version__}")])
        connection.execute("COMMIT")
    except BaseException:
        rollback(connection)
        raise
    return config if empty else None


def check_writable(connection: sqlite3.Connection) -> None:
    """Fail now, not after a scan's work, when the index cannot be written: SQLite opens
    a file it may not write read-only without a word. A write that changes nothing,
    rolled back, raises ``SQLITE_READONLY`` there."""
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM meta WHERE 0")
    finally:
        rollback(connection)


def validate(connection: sqlite3.Connection, path: Path, readonly: bool, header: bytes | None = None) -> Config:
    """Check an existing file is one of our indexes, migrate it if old, return its config;
    ``header``: the file's first 100 bytes as :func:`check_header` read them before the
    connection was opened (``None``: another process created the file meanwhile)."""
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        objects = connection.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        problems = _quick_problems(connection, path, header)
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{path}: the index is corrupt ({exc}); {_REBUILD}") from exc
    if problems != ["ok"]:
        raise SchemaError(f"{path}: the index is corrupt (quick_check: {problems[0]}); {_REBUILD}")
    tables = {name for kind, name in objects if kind == "table"}
    if application_id != APPLICATION_ID or "meta" not in tables:
        raise SchemaError(f"{path}: an SQLite file, but not a passage-provenance index; pass another --index")
    foreign = sorted(name for kind, name in objects if kind in {"trigger", "view"})
    if foreign:
        raise SchemaError(f"{path}: the index holds triggers or views we never create ({', '.join(foreign)}); refusing to use it")
    rows = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    version = _version(rows, path)
    if version < SCHEMA_VERSION:
        if readonly:
            raise SchemaError(f"{path}: index schema version {version} is older than {SCHEMA_VERSION}; run 'provenance scan' on it once to migrate it")
        _migrate(connection, version)
    _check_columns(connection, path)
    try:
        return Config.from_dict(json.loads(rows["config"]))
    except Exception as exc:
        raise SchemaError(f"{path}: the index's stored configuration is unreadable; {_REBUILD}") from exc


def _quick_problems(connection: sqlite3.Connection, path: Path, header: bytes | None) -> list[str]:
    """``["ok"]``, or what is wrong: a file shorter than its pages (truncated, judged from
    the ``header`` read before connecting), or, for a file small enough to read in a
    moment, what ``PRAGMA quick_check`` finds."""
    on_disk = path.stat().st_size
    if header is not None and len(header) >= 100:
        size = int.from_bytes(header[16:18], "big")
        size = 65536 if size == 1 else size
        # The header's page count is valid when its change counter matches "version valid for".
        pages = int.from_bytes(header[28:32], "big") if header[24:28] == header[92:96] else 0
        wal = path.with_name(path.name + "-wal")
        if on_disk < pages * size and not (wal.exists() and wal.stat().st_size):
            return [f"the file holds {on_disk} bytes, its header counts {pages * size}"]
    if on_disk > QUICK_CHECK_MAX_BYTES:
        return ["ok"]
    return [row[0] for row in connection.execute("PRAGMA quick_check(3)")]


def _version(rows: dict[str, str], path: Path) -> int:
    try:
        version = int(rows.get("schema_version", ""))
    except ValueError as exc:
        raise SchemaError(f"{path}: the index has no readable schema version; {_REBUILD}") from exc
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"{path}: index schema version {version} is newer than this passage-provenance understands "
            f"({SCHEMA_VERSION}); upgrade with 'pip install -U passage-provenance'"
        )
    if version < 1:
        raise SchemaError(f"{path}: the index has an invalid schema version {version}; {_REBUILD}")
    return version


def _migrate(connection: sqlite3.Connection, version: int) -> None:
    """Apply each migration step in its own transaction, bumping the stored version."""
    for step in range(version, SCHEMA_VERSION):
        try:
            connection.execute("BEGIN IMMEDIATE")
            _migrate_step(connection, step)
            connection.execute("COMMIT")
        except BaseException:
            rollback(connection)
            raise


def _migrate_step(connection: sqlite3.Connection, step: int,
                  steps: dict[int, Callable[[sqlite3.Connection], None]] = MIGRATIONS) -> None:
    """Upgrade from version ``step`` to ``step + 1`` in the caller's transaction."""
    steps[step](connection)
    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step + 1),))


def _check_columns(connection: sqlite3.Connection, path: Path) -> None:
    for table, columns in EXPECTED_COLUMNS.items():
        found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        missing = columns - found
        if missing:
            raise SchemaError(f"{path}: table {table} lacks column(s) {', '.join(sorted(missing))}: not an index we wrote; {_REBUILD}")


def mismatch_message(path: Path, stored: Config, wanted: Config) -> str:
    differences = "; ".join(describe_differences(stored.to_dict(), wanted.to_dict()))
    return (
        f"{path} was built with another matching configuration ({differences}). "
        "Drop those options to use the index's own, or scan into a new --index to rebuild with them."
    )
