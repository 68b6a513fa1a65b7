"""The schema: what a new index holds is what opening checks for, and every older
version has a migration step."""

from __future__ import annotations

import sqlite3

from provenance import Index
from provenance.store.migrations import MIGRATIONS
from provenance.store.schema import (
    APPLICATION_ID,
    DDL,
    EXPECTED_COLUMNS,
    SCHEMA_VERSION,
)


def _columns(db: sqlite3.Connection) -> dict[str, frozenset[str]]:
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {table: frozenset(row[1] for row in db.execute(f"PRAGMA table_info({table})")) for table in tables}


def test_a_new_index_has_exactly_the_expected_tables_and_columns(tmp_path):
    with Index.open(tmp_path / "index.sqlite"):
        pass
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        assert _columns(db) == EXPECTED_COLUMNS
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_the_ddl_can_run_again_on_an_existing_index():
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    before = _columns(db)
    db.executescript(DDL)  # IF NOT EXISTS throughout: reopening never fails or changes the tables
    assert _columns(db) == before == EXPECTED_COLUMNS


def test_every_older_version_has_one_migration_step():
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))


def test_a_version_6_index_is_migrated_and_builds_its_lookup_state(seeds_dir, tmp_path):
    from provenance import ScanOptions, scan
    from provenance.report.render import render_report

    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        before = render_report(index, "json")
    with sqlite3.connect(path) as db:  # what version 6 had: no span lookup, no stale marks, no anchor segments
        for table in ("cluster_spans", "draft_anchors", "stale_units", "stale_fingerprints", "anchor_segments",
                      "anchor_blocks"):
            db.execute(f"DROP TABLE {table}")
        db.execute("DELETE FROM meta WHERE key IN ('refreshed_units', 'refreshed_docs', 'anchors_indexed_through')")
        db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    with Index.open(path) as index:
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert not index.findings_current  # the migration marks the findings stale
        scan([seeds_dir], index, ScanOptions(workers=1))  # nothing to read again: state rebuilt
        db = index.connection
        assert index.findings_current
        assert db.execute("SELECT COUNT(*) FROM cluster_spans").fetchone()[0] > 0
        assert db.execute("SELECT COUNT(*) FROM anchor_segments").fetchone()[0] > 0
        assert index.meta("refreshed_units") == str(index.matched_through)
        assert render_report(index, "json") == before
