"""DDL, schema version and migrations of the SQLite index.

Nothing in the index is pickled: shingle sets are little-endian uint32 BLOBs, document
text is zlib-compressed UTF-8, metadata is JSON. ``SCHEMA_VERSION`` bumps with every
change to the DDL; :data:`MIGRATIONS` upgrades older files in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["APPLICATION_ID", "DDL", "MIGRATIONS", "REQUIRED_TABLES", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
#: Written to the SQLite header (``PRAGMA application_id``) so foreign files are spotted.
APPLICATION_ID = 0x50505631  # "PPV1"

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    source TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    encoding TEXT,
    url TEXT,
    title TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    published_us INTEGER,
    date_only INTEGER NOT NULL DEFAULT 0,
    site TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    body_start INTEGER NOT NULL DEFAULT 0,
    text BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraphs (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    words INTEGER NOT NULL,
    fingerprint INTEGER NOT NULL,
    pattern INTEGER NOT NULL DEFAULT 0,
    boilerplate INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS paragraphs_fingerprint ON paragraphs(fingerprint);
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    kind TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    words INTEGER NOT NULL,
    content_key INTEGER NOT NULL,
    shingles BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS units_doc ON units(doc_id);
CREATE TABLE IF NOT EXISTS band_keys (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    PRIMARY KEY (band, key, unit_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS band_keys_unit ON band_keys(unit_id);
CREATE TABLE IF NOT EXISTS matches (
    a INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    b INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    similarity REAL NOT NULL,
    shared INTEGER NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS matches_b ON matches(b);
CREATE TABLE IF NOT EXISTS reuses (
    id INTEGER PRIMARY KEY,
    cluster INTEGER NOT NULL,
    origin_doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    origin_start INTEGER NOT NULL,
    origin_end INTEGER NOT NULL,
    copy_doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    copy_start INTEGER NOT NULL,
    copy_end INTEGER NOT NULL,
    similarity REAL NOT NULL,
    shared INTEGER NOT NULL,
    kind TEXT NOT NULL,
    origin_certain INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS reuses_copy ON reuses(copy_doc);
CREATE INDEX IF NOT EXISTS reuses_origin ON reuses(origin_doc);
"""

REQUIRED_TABLES = frozenset({"meta", "documents", "paragraphs", "units", "band_keys", "matches", "reuses"})

#: ``from_version -> function`` upgrading a connection to ``from_version + 1``.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}
