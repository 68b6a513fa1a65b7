"""DDL and schema version of the SQLite index.

Nothing in the index is pickled: token streams and keys are little-endian integer
BLOBs, document text is zlib-compressed UTF-8, metadata is JSON (``units.shingles``
holds an empty blob since the shingle sets stopped being kept: nothing read them). ``SCHEMA_VERSION`` bumps with every
change to the DDL; :mod:`provenance.store.migrations` upgrades older files in place.
"""

from __future__ import annotations

import sqlite3

__all__ = ["APPLICATION_ID", "CLUSTER_NUMBER_INDEX", "DDL", "DOCUMENT_KEYS_INDEX", "DOCUMENT_STAMPS_INDEX", "EXPECTED_COLUMNS",
           "FINGERPRINT_INDEX", "FINGERPRINT_INDEX_DDL", "OPTIONAL_INDEXES", "SCHEMA_VERSION", "UNIT_PLACES_INDEX", "index_exists", "index_hint",
           "optional_index_ddl"]

SCHEMA_VERSION = 12
#: Written to the SQLite header (``PRAGMA application_id``) so foreign files are spotted.
APPLICATION_ID = 0x50505631  # "PPV1"
#: The index boilerplate detection finds a paragraph's repeats by. A scan into an index
#: with no paragraphs yet builds it once after its batches (see
#: :class:`provenance.store.writer.FingerprintIndex`); opening an index without it (that
#: scan killed) builds it again.
FINGERPRINT_INDEX = "paragraphs_fingerprint"
FINGERPRINT_INDEX_DDL = f"CREATE INDEX IF NOT EXISTS {FINGERPRINT_INDEX} ON paragraphs(fingerprint)"
#: Covering indexes of the few columns the refresh and numbering read from the two tables
#: whose rows carry blobs (an article's text, a passage's token stream), so that a look-up
#: by id reads an index entry instead of a 16 KB page per row: ~4 MB and ~40 MB at 100k
#: articles, against 285 MB and 1.2 GB of rows (a `check` whose index was not in the page
#: cache spent ~2.7 s numbering the clusters alone). Optional: a file made before them
#: gains them at a writable open (not in a `check` sandbox), and readers name one only when
#: it is there (:func:`index_hint`). ``reuses_cluster`` finds the cluster holding a number
#: (:mod:`provenance.store.numbering`: a ``check`` numbers the rows it reads from there).
#: ``documents_stamps`` holds what a scan compares each stored file with (~20 MB at 100k
#: articles: a rescan of the 100k-file folder read them in 0.35-0.49 s instead of
#: 0.61-0.95 s through the rows).
DOCUMENT_KEYS_INDEX = "documents_keys"
UNIT_PLACES_INDEX = "units_places"
CLUSTER_NUMBER_INDEX = "reuses_cluster"
DOCUMENT_STAMPS_INDEX = "documents_stamps"
OPTIONAL_INDEXES = {
    DOCUMENT_KEYS_INDEX: "ON documents(id, published_us, date_only, content_hash)",
    UNIT_PLACES_INDEX: "ON units(id, doc_id, paragraph, kind, start, end)",
    CLUSTER_NUMBER_INDEX: "ON reuses(cluster)",
    DOCUMENT_STAMPS_INDEX: "ON documents(source, size, mtime_ns, id, path, content_hash)",
}


def optional_index_ddl(name: str) -> str:
    return f"CREATE INDEX IF NOT EXISTS {name} {OPTIONAL_INDEXES[name]}"


def index_exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone() is not None


def index_hint(db: sqlite3.Connection, name: str) -> str:
    """``INDEXED BY name`` (one of :data:`OPTIONAL_INDEXES`) for a join reading only its
    columns, or nothing when the file has no such index."""
    return f"INDEXED BY {name}" if index_exists(db, name) else ""

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
-- Each article's unit ids [first, stop): its paragraph units (the rows of ``units``) and
-- the segments cut from them, which have ids, band keys and document ids in the key runs
-- but no row (version 11): a segment's paragraph is the nearest paragraph unit below it.
CREATE TABLE IF NOT EXISTS doc_units (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    first INTEGER NOT NULL,
    stop INTEGER NOT NULL
);
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
-- Each unit's matches again, as one blob of int64 rows (provenance.store.unitmatches).
CREATE TABLE IF NOT EXISTS unit_matches (
    unit INTEGER PRIMARY KEY REFERENCES units(id) ON DELETE CASCADE,
    rows BLOB NOT NULL
);
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
    block INTEGER NOT NULL,
    first_block INTEGER NOT NULL,
    fences BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS anchor_blocks (
    id INTEGER PRIMARY KEY,
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
-- Each band segment's membership filter (version 12, provenance.store.segments).
CREATE TABLE IF NOT EXISTS band_filters (
    segment INTEGER PRIMARY KEY,
    bits BLOB NOT NULL
);
"""
DDL += "".join(f"{optional_index_ddl(name)};\n" for name in OPTIONAL_INDEXES)  # a new index has them

#: Columns every table must have; checked when opening a file we did not create.
EXPECTED_COLUMNS: dict[str, frozenset[str]] = {
    "meta": frozenset({"key", "value"}),
    "documents": frozenset({"id", "path", "source", "content_hash", "encoding", "url", "title", "authors",
                            "published_us", "date_only", "site", "size", "mtime_ns", "body_start", "text"}),
    "paragraphs": frozenset({"doc_id", "idx", "start", "end", "words", "fingerprint", "pattern", "boilerplate"}),
    "units": frozenset({"id", "doc_id", "paragraph", "kind", "start", "end", "words", "content_key", "shingles",
                        "tokens"}),
    "doc_units": frozenset({"doc_id", "first", "stop"}),
    "anchor_runs": frozenset({"id", "first_unit", "stop_unit", "anchors", "units"}),
    "key_runs": frozenset({"id", "first_unit", "stop_unit", "bands", "keys", "docs", "contents"}),
    "dead_units": frozenset({"first", "stop"}),
    "matches": frozenset({"a", "b", "a_start", "a_end", "b_start", "b_end", "similarity", "shared", "jaccard",
                          "containment", "matched"}),
    "unit_matches": frozenset({"unit", "rows"}),
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
    "anchor_segments": frozenset({"id", "first_unit", "stop_unit", "size", "block", "first_block", "fences"}),
    "anchor_blocks": frozenset({"id", "anchors", "units"}),
    "band_segments": frozenset({"id", "band", "first_unit", "stop_unit", "size", "block", "first_block", "fences"}),
    "band_blocks": frozenset({"id", "keys", "units"}),
    "band_filters": frozenset({"segment", "bits"}),
    "scans": frozenset({"id", "finished", "tool_version", "seen", "added", "changed", "removed", "skipped", "findings"}),
}
