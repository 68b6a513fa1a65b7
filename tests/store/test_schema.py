"""The schema: what a new index holds is what opening checks for, and every older
version has a migration step."""

from __future__ import annotations

import sqlite3

from provenance import Index
from provenance.store.schema import (
    APPLICATION_ID,
    DDL,
    EXPECTED_COLUMNS,
    MIGRATIONS,
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
