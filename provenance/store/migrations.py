"""Migrations of the SQLite index: one step per schema version, each upgrading a
connection from version ``n`` to ``n + 1`` inside the transaction
:mod:`provenance.store.opening` holds for it, so a failed step leaves the file as it was."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial

from provenance.errors import SchemaError
from provenance.store import unitmatches
from provenance.store.anchorindex import convert_v8_segment
from provenance.store.bandindex import add_missing_filters
from provenance.store.keyruns import append_run
from provenance.store.schema import DDL

__all__ = ["MIGRATIONS", "SANDBOX_MIGRATIONS"]


def _create(connection: sqlite3.Connection, ddl: str) -> None:
    """Run ``ddl`` statement by statement: ``executescript`` would commit the migration."""
    for statement in ddl.split(";"):
        if statement.strip():
            connection.execute(statement)


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

    _create(connection, _V3_TABLES)
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
    _create(connection, _V4_MATCHES)
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
    _create(connection, _V6_TABLES)
    connection.execute("DELETE FROM meta WHERE key = 'findings_state'")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('findings_current', '0')")


def _v6_to_v7(connection: sqlite3.Connection) -> None:
    """Version 7 makes the work after a scan proportional to what changed: each span's
    stored cluster (``cluster_spans``), what was deleted since the last refresh
    (``stale_units``, ``stale_fingerprints``) and anchors sorted for lookup
    (``anchor_segments``, :mod:`provenance.store.anchorindex`). The cluster state starts
    empty (as does ``draft_anchors``, which short drafts hold each anchor), so findings are marked stale and the next refresh rebuilds them all; the
    anchor segments are built by the next scan's candidate stage."""
    _create(connection, _V7_TABLES)
    connection.execute("DELETE FROM meta WHERE key IN ('findings_state', 'refreshed_units', 'refreshed_docs')")
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('findings_current', '0')")


def _v7_to_v8(connection: sqlite3.Connection) -> None:
    """Version 8 sorts band keys for lookup (``band_segments``, ``band_blocks``,
    :mod:`provenance.store.bandindex`): the tables start empty and the next scan's
    candidate stage fills them from the key runs. The runs' columns are reordered, keys
    last: SQLite reaches a column by walking the overflow pages of every one before it,
    so reading a run's document ids behind its keys read the keys too (1.3 GB at 100k
    articles), which the band pass no longer does anyway."""
    _create(connection, _V8_TABLES)
    order = [row[1] for row in connection.execute("PRAGMA table_info(key_runs)")]
    if order.index("keys") < order.index("docs"):
        columns = "id, first_unit, stop_unit, bands, docs, contents, keys"
        connection.execute(_V3_TABLES[: _V3_TABLES.index(";")].replace("key_runs", "key_runs_v8", 1))
        connection.execute(f"INSERT INTO key_runs_v8 ({columns}) SELECT {columns} FROM key_runs")
        connection.execute("DROP TABLE key_runs")
        connection.execute("ALTER TABLE key_runs_v8 RENAME TO key_runs")


def _v8_to_v9(connection: sqlite3.Connection) -> None:
    """Version 9 cuts the anchor segments into block rows (``anchor_blocks``), as the band
    segments are: version 8 kept each segment as two blobs read at offsets, which SQLite
    reaches by walking the blob's overflow pages from its start. The segments are
    converted one at a time (memory: one segment, at most 4 M entries), each old row
    deleted once converted so its pages are reused, so a migrated index looks anchors up
    at once instead of sorting its ~44 M anchors (100k articles) again on the next scan."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(anchor_segments)")}
    if "anchors" in columns:  # a version 7 migration already made the new (empty) table otherwise
        connection.execute("ALTER TABLE anchor_segments RENAME TO anchor_segments_v8")
    _create(connection, _V9_TABLES)
    if "anchors" not in columns:
        return
    for (rowid,) in connection.execute("SELECT id FROM anchor_segments_v8 ORDER BY id").fetchall():
        anchors, units = connection.execute("SELECT anchors, units FROM anchor_segments_v8 WHERE id = ?", (rowid,)).fetchone()
        convert_v8_segment(connection, anchors, units)
        connection.execute("DELETE FROM anchor_segments_v8 WHERE id = ?", (rowid,))
    connection.execute("DROP TABLE anchor_segments_v8")


def _v9_to_v10(connection: sqlite3.Connection) -> None:
    """Version 10 keeps each unit's matches as one blob too (``unit_matches``,
    :mod:`provenance.store.unitmatches`), which a refresh's walk reads instead of a row
    per match; it is filled from the stored matches."""
    _create(connection, _V10_TABLES)
    unitmatches.build(connection)


def _v10_to_v11(connection: sqlite3.Connection, *, drop_segment_rows: bool = True) -> None:
    """Version 11 keeps a row for paragraph units only: a segment's id, article and band
    keys are in its key run, and its paragraph is the nearest paragraph unit below it
    (each paragraph's unit comes right before its segments'). Each article's unit range
    goes to ``doc_units``, taken before the segment rows go; a file whose units are not
    laid out that way (none written by this tool) is refused, left as it was.

    Deleting the rows is most of the cost (~18 of 22 s at 100k articles); a sandbox,
    rolled back anyway, keeps them (``drop_segment_rows=False``): readers skip them."""
    _create(connection, _V11_TABLES)
    connection.execute("INSERT OR IGNORE INTO doc_units (doc_id, first, stop) "
                       "SELECT doc_id, MIN(id), MAX(id) + 1 FROM units GROUP BY doc_id")
    misplaced = connection.execute(
        """SELECT COUNT(*) FROM units AS s WHERE s.kind <> 'paragraph' AND NOT EXISTS (
               SELECT 1 FROM units AS p WHERE p.id = (SELECT q.id FROM units AS q WHERE q.id < s.id
               AND q.kind = 'paragraph' ORDER BY q.id DESC LIMIT 1) AND p.doc_id = s.doc_id AND p.paragraph = s.paragraph)"""
    ).fetchone()[0]
    overlapping = connection.execute(
        """SELECT COUNT(*) FROM (SELECT first, LAG(stop) OVER (ORDER BY first) AS before FROM doc_units)
           WHERE first < before""").fetchone()[0]
    if misplaced or overlapping:
        raise SchemaError("the index's units are laid out as no version of this tool writes them; "
                          "rebuild it with a fresh --index")
    if drop_segment_rows:
        connection.execute("DELETE FROM units WHERE kind <> 'paragraph'")


def _v11_to_v12(connection: sqlite3.Connection, *, build: bool = True) -> None:
    """Version 12 gives each band segment a membership filter (``band_filters``,
    :mod:`provenance.store.segments`): made here from the segments' blocks (~1.9 GB read
    at 100k articles, once). A sandbox only adds the table: its lookups read the blocks
    of segments without one, as before."""
    _create(connection, _V12_TABLES)
    if build:
        add_missing_filters(connection)


_V4_ANCHORS = DDL[DDL.index("CREATE TABLE IF NOT EXISTS anchor_runs") : DDL.index("CREATE TABLE IF NOT EXISTS matches")]
_V4_MATCHES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS matches") : DDL.index("-- Each unit's matches")]
_V6_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS finding_drafts") : DDL.index("CREATE TABLE IF NOT EXISTS cluster_spans")]
_V7_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS cluster_spans") : DDL.index("CREATE TABLE IF NOT EXISTS band_segments")]
_V8_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS band_segments") : DDL.index("CREATE TABLE IF NOT EXISTS scans")]
_V9_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS anchor_segments") : DDL.index("CREATE TABLE IF NOT EXISTS band_segments")]
_V10_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS unit_matches") : DDL.index("CREATE TABLE IF NOT EXISTS reuses")]
_V11_TABLES = DDL[DDL.index("-- Each article's unit ids") : DDL.index("CREATE TABLE IF NOT EXISTS key_runs")]
_V12_TABLES = DDL[DDL.index("-- Each band segment's membership filter") :]
_V3_TABLES = DDL[DDL.index("CREATE TABLE IF NOT EXISTS key_runs") : DDL.index("CREATE TABLE IF NOT EXISTS anchor_runs")]

#: ``from_version -> function`` upgrading a connection to ``from_version + 1``.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7, 7: _v7_to_v8, 8: _v8_to_v9, 9: _v9_to_v10,
    10: _v10_to_v11, 11: _v11_to_v12}
#: The same steps inside a check's sandbox, whose transaction is rolled back: work only
#: a lasting file needs is left out.
SANDBOX_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    **MIGRATIONS, 10: partial(_v10_to_v11, drop_segment_rows=False), 11: partial(_v11_to_v12, build=False)}
