"""Migrations that rewrite stored rows: version 11 keeps a unit row for paragraph units
only, with each article's unit range in ``doc_units``; version 12 gives each band segment
a membership filter."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from provenance import Index, ScanOptions, scan
from provenance.errors import SchemaError
from provenance.pipeline.build import process_document
from provenance.records import Document
from provenance.report.render import render_report
from provenance.store.health import check_consistency
from provenance.store.schema import SCHEMA_VERSION

_INSERT_SEGMENT = """INSERT INTO units (id, doc_id, paragraph, kind, start, end, words, content_key, shingles, tokens)
                     VALUES (?, ?, ?, 'segment', ?, ?, ?, ?, x'', NULL)"""


def downgrade_to_v10(path: Path) -> int:
    """Rewrite a current index (closed) as version 10 stored it: a ``units`` row for every
    unit, segments included (cut again from each article's text, as that version did),
    and no ``doc_units``; returns how many segment rows it wrote."""
    with Index.open(path, readonly=True) as index:
        db = index.connection
        rows = []
        for doc_id, first, stop in db.execute("SELECT doc_id, first, stop FROM doc_units ORDER BY first").fetchall():
            name, body_start = db.execute("SELECT path, body_start FROM documents WHERE id = ?", (doc_id,)).fetchone()
            document = Document(path=name, source="", text=index.document_text(doc_id), content_hash="", encoding="",
                                body_start=body_start)
            units = process_document(document, index.config).units
            assert len(units) == stop - first
            rows += [(first + at, doc_id, unit.paragraph, unit.start, unit.end, unit.words, unit.text_hash)
                     for at, unit in enumerate(units) if unit.kind == "segment"]
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(_INSERT_SEGMENT, rows)
        db.execute("DROP TABLE doc_units")
        db.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")
    return len(rows)


def _rows(db: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    units = db.execute("SELECT id, doc_id, paragraph, kind, start, end, words, content_key, tokens FROM units ORDER BY id")
    return units.fetchall(), db.execute("SELECT doc_id, first, stop FROM doc_units ORDER BY doc_id").fetchall()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stored(seeds_dir: Path, later_seeds: Path, tmp_path: Path) -> tuple[Path, tuple[list[tuple], list[tuple]], str]:
    """An index of the seeds, its unit rows and ranges, and its report (JSON)."""
    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        return path, _rows(index.connection), render_report(index, "json")


def test_a_version_10_index_keeps_its_answers_without_the_segment_rows(stored, seeds_dir, later_seeds, tmp_path):
    path, (units, ranges), report = stored
    assert all(kind == "paragraph" for *_, kind, _, _, _, _, _ in units) and ranges
    assert downgrade_to_v10(path) > 0
    with Index.open(path) as index:  # a writable open migrates
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert _rows(index.connection) == (units, ranges)
        assert not check_consistency(index)
        assert render_report(index, "json") == report
        scan([later_seeds], index, ScanOptions(workers=1))  # the next scan matches into it as into a fresh index
        migrated = render_report(index, "json")
    with Index.open(tmp_path / "fresh.sqlite") as fresh:
        scan([seeds_dir], fresh, ScanOptions(workers=1))
        scan([later_seeds], fresh, ScanOptions(workers=1))
        assert render_report(fresh, "json") == migrated


def test_a_check_sandbox_migrates_a_version_10_index_without_changing_its_file(stored, later_seeds, tmp_path):
    path, _, _ = stored
    downgrade_to_v10(path)
    digest = _digest(path)
    with Index.sandbox(path) as index:  # type: ignore[union-attr]
        assert index.sandboxed and index.meta("schema_version") == str(SCHEMA_VERSION)
        scan([later_seeds], index, ScanOptions(workers=1))
        sandboxed = render_report(index, "json")
    assert _digest(path) == digest and not path.with_name(path.name + "-wal").exists()
    with Index.open(path) as index:
        scan([later_seeds], index, ScanOptions(workers=1))
        assert render_report(index, "json") == sandboxed


def test_units_laid_out_as_no_version_writes_them_are_refused_and_left_as_they_were(stored):
    path, _, _ = stored
    downgrade_to_v10(path)
    with closing(sqlite3.connect(path)) as db, db:  # a segment filed under another paragraph than the unit before it
        db.execute("UPDATE units SET paragraph = paragraph + 1 WHERE id = (SELECT MAX(id) FROM units WHERE kind = 'segment')")
    digest = _digest(path)
    with pytest.raises(SchemaError, match="laid out as no version"):
        Index.open(path)
    assert _digest(path) == digest
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "10"


def test_a_version_11_index_gains_a_filter_per_band_segment(stored, later_seeds, tmp_path):
    path, _, report = stored
    with closing(sqlite3.connect(path)) as db, db:
        filters = db.execute("SELECT segment, bits FROM band_filters ORDER BY segment").fetchall()
        assert len(filters) == db.execute("SELECT COUNT(*) FROM band_segments").fetchone()[0] > 0
        db.execute("DROP TABLE band_filters")
        db.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")
    digest = _digest(path)
    with Index.sandbox(path) as index:  # type: ignore[union-attr]  # a check: the table only, its lookups read blocks
        assert index.connection.execute("SELECT COUNT(*) FROM band_filters").fetchone()[0] == 0
        scan([later_seeds], index, ScanOptions(workers=1))
        sandboxed = render_report(index, "json")
    assert _digest(path) == digest
    with Index.open(path) as index:  # a writable open migrates: each segment's filter made from its blocks
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert index.connection.execute("SELECT segment, bits FROM band_filters ORDER BY segment").fetchall() == filters
        assert not check_consistency(index)
        assert render_report(index, "json") == report
        scan([later_seeds], index, ScanOptions(workers=1))
        assert render_report(index, "json") == sandboxed
