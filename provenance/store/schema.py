"""DDL, schema version and migrations of the SQLite index.

Nothing in the index is pickled: shingle sets are little-endian uint32 BLOBs, document
text is zlib-compressed UTF-8, metadata is JSON. ``SCHEMA_VERSION`` bumps with every
change to the DDL; :data:`MIGRATIONS` upgrades older files in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from provenance.store.keyruns import append_run

__all__ = ["APPLICATION_ID", "DDL", "EXPECTED_COLUMNS", "MIGRATIONS", "SCHEMA_VERSION"]

SCHEMA_VERSION = 8
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
    shingles BLOB NOT NULL,
    tokens BLOB
);
CREATE INDEX IF NOT EXISTS units_doc ON units(doc_id);
CREATE TABLE IF NOT EXISTS key_runs (
    id INTEGER PRIMARY KEY,
    first_unit INTEGER NOT NULL UNIQUE,
    stop_unit INTEGER NOT NULL,
    bands INTEGER NOT NULL,
    docs BLOB NOT NULL,
    contents BLOB NOT NULL,
    keys BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_units (
    first INTEGER PRIMARY KEY,
    stop INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS anchor_runs (
    id INTEGER PRIMARY KEY,
    first_unit INTEGER NOT NULL UNIQUE,
    stop_unit INTEGER NOT NULL,
    anchors BLOB NOT NULL,
    units BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS matches (
    a INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    b INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    a_start INTEGER NOT NULL,
    a_end INTEGER NOT NULL,
    b_start INTEGER NOT NULL,
    b_end INTEGER NOT NULL,
    similarity REAL NOT NULL,
    shared INTEGER NOT NULL,
    jaccard REAL NOT NULL,
    containment REAL NOT NULL,
    matched INTEGER NOT NULL,
    PRIMARY KEY (a, b, a_start, b_start)
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
    origin_certain INTEGER NOT NULL,
    jaccard REAL NOT NULL DEFAULT 0,
    containment REAL NOT NULL DEFAULT 0,
    matched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS reuses_copy ON reuses(copy_doc);
CREATE INDEX IF NOT EXISTS reuses_origin ON reuses(origin_doc);
CREATE TABLE IF NOT EXISTS finding_drafts (
    id INTEGER PRIMARY KEY,
    cluster_doc INTEGER NOT NULL,
    cluster_start INTEGER NOT NULL,
    cluster_end INTEGER NOT NULL,
    origin_doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    origin_start INTEGER NOT NULL,
    origin_end INTEGER NOT NULL,
    copy_doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    copy_start INTEGER NOT NULL,
    copy_end INTEGER NOT NULL,
    similarity REAL NOT NULL,
    shared INTEGER NOT NULL,
    kind TEXT NOT NULL,
    origin_certain INTEGER NOT NULL,
    jaccard REAL NOT NULL,
    containment REAL NOT NULL,
    matched INTEGER NOT NULL,
    stock INTEGER NOT NULL DEFAULT 0,
    notice INTEGER NOT NULL DEFAULT 0,
    anchors BLOB,
    anchor_mask BLOB
);
CREATE INDEX IF NOT EXISTS finding_drafts_copy ON finding_drafts(copy_doc);
CREATE INDEX IF NOT EXISTS finding_drafts_origin ON finding_drafts(origin_doc);
CREATE INDEX IF NOT EXISTS finding_drafts_cluster ON finding_drafts(cluster_doc, cluster_start, cluster_end);
CREATE TABLE IF NOT EXISTS span_clusters (
    doc INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    signature INTEGER NOT NULL,
    units BLOB NOT NULL,
    docs BLOB NOT NULL,
    PRIMARY KEY (doc, start, end)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cluster_spans (
    unit INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    cluster_doc INTEGER NOT NULL,
    cluster_start INTEGER NOT NULL,
    cluster_end INTEGER NOT NULL,
    PRIMARY KEY (unit, start, end)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS draft_anchors (
    anchor INTEGER NOT NULL,
    draft INTEGER NOT NULL,
    PRIMARY KEY (anchor, draft)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS draft_anchors_draft ON draft_anchors(draft);
-- The notice rule looks drafts up by article pair (origin, copy): exact, not every draft of a wire origin.
CREATE INDEX IF NOT EXISTS finding_drafts_pair ON finding_drafts(origin_doc, copy_doc);
CREATE TABLE IF NOT EXISTS stale_units (
    first INTEGER PRIMARY KEY,
    stop INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stale_fingerprints (
    fingerprint INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS anchor_segments (
    id INTEGER PRIMARY KEY,
    first_unit INTEGER NOT NULL,
    stop_unit INTEGER NOT NULL,
    size INTEGER NOT NULL,
    fences BLOB NOT NULL,
    anchors BLOB NOT NULL,
    units BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS band_segments (
    id INTEGER PRIMARY KEY,
    band INTEGER NOT NULL,
    first_unit INTEGER NOT NULL,
    stop_unit INTEGER NOT NULL,
    size INTEGER NOT NULL,
    block INTEGER NOT NULL,
    first_block INTEGER NOT NULL,
    fences BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS band_blocks (
    id INTEGER PRIMARY KEY,
    keys BLOB NOT NULL,
    units BLOB NOT NULL
);
""" + """
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY,
    finished TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    seen INTEGER NOT NULL,
    added INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
"""

#: Columns every table must have; checked when opening a file we did not create.
EXPECTED_COLUMNS: dict[str, frozenset[str]] = {
    "meta": frozenset({"key", "value"}),
    "documents": frozenset({"id", "path", "source", "content_hash", "encoding", "url", "title", "authors",
                            "published_us", "date_only", "site", "size", "mtime_ns", "body_start", "text"}),
    "paragraphs": frozenset({"doc_id", "idx", "start", "end", "words", "fingerprint", "pattern", "boilerplate"}),
    "units": frozenset({"id", "doc_id", "paragraph", "kind", "start", "end", "words", "content_key", "shingles",
                        "tokens"}),
    "anchor_runs": frozenset({"id", "first_unit", "stop_unit", "anchors", "units"}),
    "key_runs": frozenset({"id", "first_unit", "stop_unit", "bands", "keys", "docs", "contents"}),
    "dead_units": frozenset({"first", "stop"}),
    "matches": frozenset({"a", "b", "a_start", "a_end", "b_start", "b_end", "similarity", "shared", "jaccard",
                          "containment", "matched"}),
    "reuses": frozenset({"id", "cluster", "origin_doc", "origin_start", "origin_end", "copy_doc", "copy_start",
                         "copy_end", "similarity", "shared", "kind", "origin_certain", "jaccard", "containment",
                         "matched"}),
    "finding_drafts": frozenset({"id", "cluster_doc", "cluster_start", "cluster_end", "origin_doc", "origin_start",
                                 "origin_end", "copy_doc", "copy_start", "copy_end", "similarity", "shared", "kind",
                                 "origin_certain", "jaccard", "containment", "matched", "stock", "notice", "anchors",
                                 "anchor_mask"}),
    "span_clusters": frozenset({"doc", "start", "end", "signature", "units", "docs"}),
    "cluster_spans": frozenset({"unit", "start", "end", "cluster_doc", "cluster_start", "cluster_end"}),
    "draft_anchors": frozenset({"anchor", "draft"}),
    "stale_units": frozenset({"first", "stop"}),
    "stale_fingerprints": frozenset({"fingerprint"}),
    "anchor_segments": frozenset({"id", "first_unit", "stop_unit", "size", "fences", "anchors", "units"}),
    "band_segments": frozenset({"id", "band", "first_unit", "stop_unit", "size", "block", "first_block", "fences"}),
    "band_blocks": frozenset({"id", "keys", "units"}),
    "scans": frozenset({"id", "finished", "tool_version", "seen", "added", "changed", "removed", "skipped", "findings"}),
}


def _v1_to_v2(connection: sqlite3.Connection) -> None:
    """Version 2 adds the scan log and an index on display paths (for ``trace``)."""
    connection.execute(
        """CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, finished TEXT NOT NULL,
           tool_version TEXT NOT NULL, seen INTEGER NOT NULL, added INTEGER NOT NULL,
           changed INTEGER NOT NULL, removed INTEGER NOT NULL, skipped INTEGER NOT NULL,
           findings INTEGER NOT NULL)"""
    )
    connection.execute("CREATE INDEX IF NOT EXISTS documents_path ON documents(path)")


def _v2_to_v3(connection: sqlite3.Connection) -> None:
    """Version 3 stores band keys as runs (:mod:`provenance.store.keyruns`) instead of one
    row per key: the stored rows become one run over every stored unit (ids missing
    from ``units`` recorded as dead), all marked matched."""
    import numpy as np

    for statement in _V3_TABLES.split(";"):  # not executescript: it would commit the migration
        if statement.strip():
            connection.execute(statement)
    bounds = connection.execute("SELECT MIN(id), MAX(id) FROM units").fetchone()
    if bounds[0] is not None:
        first, last = int(bounds[0]), int(bounds[1])
        bands = int(connection.execute("SELECT COALESCE(MAX(band), -1) + 1 FROM band_keys").fetchone()[0])
        size = last + 1 - first
        keys = np.zeros((bands, size), dtype=np.int64)
        for band, key, unit in connection.execute("SELECT band, key, unit_id FROM band_keys"):
            keys[band, unit - first] = key
        docs = np.zeros(size, dtype=np.int64)
        contents = np.zeros(size, dtype=np.int64)
        live = np.zeros(size, dtype=bool)
        for unit, doc, content in connection.execute("SELECT id, doc_id, content_key FROM units"):
            docs[unit - first], contents[unit - first], live[unit - first] = doc, content, True
        append_run(connection, first, keys.T, docs, contents)
        gaps = np.flatnonzero(np.diff(np.concatenate([[1], live.astype(np.int8), [1]])))
        connection.executemany(
            "INSERT INTO dead_units (first, stop) VALUES (?, ?)",
            [(first + int(start), first + int(stop)) for start, stop in zip(gaps[::2], gaps[1::2], strict=True)],
        )
        connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('next_unit', ?)", (str(last + 1),))
        connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('matched_through', ?)", (str(last + 1),))
    connection.execute("DROP TABLE IF EXISTS band_keys")


def _v3_to_v4(connection: sqlite3.Connection) -> None:
    """Version 4 verifies by alignment: paragraph units keep their token stream, anchors
    are stored as runs and matches are aligned spans. Nothing stored can be converted
    (the token streams come from the texts), so every document is marked for re-reading:
    the next scan of its file rebuilds it and its matches; findings are stale until then."""
    def columns(table: str) -> set[str]:
        return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}

    if "tokens" not in columns("units"):
        connection.execute("ALTER TABLE units ADD COLUMN tokens BLOB")
    connection.execute("UPDATE units SET tokens = NULL")
    connection.execute(_V4_ANCHORS)
    connection.execute("DELETE FROM anchor_runs")
    connection.execute("DROP TABLE IF EXISTS matches")
    for statement in _V4_MATCHES.split(";"):
        if statement.strip():
            connection.execute(statement)
    for column, kind in (("jaccard", "REAL"), ("containment", "REAL"), ("matched", "INTEGER")):
        if column not in columns("reuses"):
            connection.execute(f"ALTER TABLE reuses ADD COLUMN {column} {kind} NOT NULL DEFAULT 0")
    # Compared before a file is re-read (size, time) and after (content): both must differ.
    connection.execute("UPDATE documents SET size = -1, mtime_ns = -1, content_hash = 'v3:' || content_hash")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('findings_current', '0')")


def _v4_to_v5(connection: sqlite3.Connection) -> None:
    """Version 5 keeps each word's hash in the token stream (alignment seeds on word
    bigrams). The streams come from the texts, so every document is marked for re-reading,
    as in :func:`_v3_to_v4`: the next scan of its file rebuilds its units and matches."""
    connection.execute("UPDATE units SET tokens = NULL")
    connection.execute("UPDATE documents SET size = -1, mtime_ns = -1, content_hash = 'v4:' || content_hash")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('findings_current', '0')")


def _v5_to_v6(connection: sqlite3.Connection) -> None:
    """Version 6 refreshes findings incrementally: every finding before the stock-phrase
    and notice filters (``finding_drafts``, under its cluster's stable key) and each
    cluster's signature (``span_clusters``). Both start empty, so findings are marked
    stale and the next refresh rebuilds them all."""
    for statement in _V6_TABLES.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute("DELETE FROM meta WHERE key = 'findings_state'")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('findings_current', '0')")


def _v6_to_v7(connection: sqlite3.Connection) -> None:
    """Version 7 makes the work after a scan proportional to what changed: each span's
    stored cluster (``cluster_spans``), what was deleted since the last refresh
    (``stale_units``, ``stale_fingerprints``) and anchors sorted for lookup
    (``anchor_segments``, :mod:`provenance.store.anchorindex`). The cluster state starts
    empty (as does ``draft_anchors``, which short drafts hold each anchor), so findings are marked stale and the next refresh rebuilds them all; the
    anchor segments are built by the next scan's candidate stage."""
    for statement in _V7_TABLES.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute("DELETE FROM meta WHERE key IN ('findings_state', 'refreshed_units', 'refreshed_docs')")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('findings_current', '0')")


def _v7_to_v8(connection: sqlite3.Connection) -> None:
    """Version 8 sorts band keys for lookup (``band_segments``, ``band_blocks``,
    :mod:`provenance.store.bandindex`): the tables start empty and the next scan's
    candidate stage fills them from the key runs. The runs' columns are reordered, keys
    last: SQLite reaches a column by walking the overflow pages of every one before it,
    so reading a run's document ids behind its keys read the keys too (1.3 GB at 100k
    articles), which the band pass no longer does anyway."""
    for statement in _V8_TABLES.split(";"):
        if statement.strip():
            connection.execute(statement)
    order = [row[1] for row in connection.execute("PRAGMA table_info(key_runs)")]
    if order.index("keys") < order.index("docs"):
        columns = "id, first_unit, stop_unit, bands, docs, contents, keys"
        connection.execute(_V3_TABLES[: _V3_TABLES.index(";")].replace("key_runs", "key_runs_v8", 1))
        connection.execute(f"INSERT INTO key_runs_v8 ({columns}) SELECT {columns} FROM key_runs")
        connection.execute("DROP TABLE key_runs")
        connection.execute("ALTER TABLE key_runs_v8 RENAME TO key_runs")


_V4_ANCHORS = DDL[DDL.index("CREATE TABLE IF NOT EXISTS anchor_runs") : DDL.index("CREATE TABLE IF NOT EXISTS matches")]
_V4_MATCHES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS matches") : DDL.index("CREATE TABLE IF NOT EXISTS reuses")]
_V6_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS finding_drafts") : DDL.index("CREATE TABLE IF NOT EXISTS cluster_spans")]
_V7_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS cluster_spans") : DDL.index("CREATE TABLE IF NOT EXISTS band_segments")]
_V8_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS band_segments") : DDL.index("CREATE TABLE IF NOT EXISTS scans")]
_V3_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS key_runs") : DDL.index("CREATE TABLE IF NOT EXISTS anchor_runs")]

#: ``from_version -> function`` upgrading a connection to ``from_version + 1``.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7, 7: _v7_to_v8}
