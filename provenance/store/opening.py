"""Opening an index file we may not have written: create, validate, migrate.

An index can come from a CI cache or a colleague, so it is treated as untrusted input:
the SQLite header and ``application_id`` are checked before use, ``trusted_schema`` is
off (and the defensive flag on where Python exposes it), triggers and views are refused,
every table must have the columns we expect, ``PRAGMA quick_check`` must pass, and the
schema version must be one we can read (older ones are migrated in a transaction).
Every failure is a :class:`SchemaError` naming the file, what is wrong and what to do.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from provenance.config import Config, describe_differences
from provenance.errors import IndexError_, SchemaError
from provenance.store.schema import (
    APPLICATION_ID,
    DDL,
    EXPECTED_COLUMNS,
    MIGRATIONS,
    SCHEMA_VERSION,
)

__all__ = ["BUSY_TIMEOUT_MS", "check_header", "connect", "initialise", "mismatch_message", "validate"]

BUSY_TIMEOUT_MS = 120_000
_SQLITE_MAGIC = b"SQLite format 3\x00"
_REBUILD = "rebuild it by scanning into a fresh --index"


def check_header(path: Path) -> None:
    """Refuse anything that is not an SQLite 3 file before SQLite parses it."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(100)
    except OSError as exc:
        raise IndexError_(f"{path}: cannot read the index ({exc.strerror or exc})") from exc
    if magic[:16] != _SQLITE_MAGIC:
        raise SchemaError(f"{path}: not a passage-provenance index (not an SQLite file); pass another --index or move it away")
    if len(magic) < 100:
        raise SchemaError(f"{path}: the index is truncated; {_REBUILD}")


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    mode = "ro" if readonly else "rwc"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        if hasattr(connection, "setconfig") and hasattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE"):
            connection.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, True)  # Python >= 3.12
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA cell_size_check = ON")
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise IndexError_(f"{path}: the index is busy (another scan holds it); try again when it has finished") from exc
        raise SchemaError(f"{path}: cannot open the index ({exc}); {_REBUILD}") from exc
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{path}: cannot open the index ({exc}); it may be corrupt: {_REBUILD}") from exc
    return connection


def initialise(connection: sqlite3.Connection, config: Config) -> Config:
    """Create the schema and metadata in one transaction (no half-made index exists)."""
    from provenance import __version__

    # executescript commits first, so the transaction is opened inside the script.
    connection.executescript(f"BEGIN IMMEDIATE; PRAGMA application_id = {APPLICATION_ID}; {DDL}")
    connection.executemany(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        [
            ("schema_version", str(SCHEMA_VERSION)),
            ("config", config.to_json()),
            ("fingerprint", config.fingerprint),
            ("created_by", f"passage-provenance {__version__}"),
        ],
    )
    connection.execute("COMMIT")
    return config


def validate(connection: sqlite3.Connection, path: Path, readonly: bool) -> Config:
    """Check an existing file is one of our indexes, migrate it if old, return its config."""
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        objects = connection.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        problems = [row[0] for row in connection.execute("PRAGMA quick_check(3)")]
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
        connection.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[step](connection)
            connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step + 1),))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


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
