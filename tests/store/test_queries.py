"""The reads reports, trace, check and doctor make: they agree with each other and
with what ``scan`` wrote."""

from __future__ import annotations

import pytest

from provenance import Index, ScanOptions, scan
from provenance.store import queries


@pytest.fixture
def index(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as opened:
        scan([seeds_dir], opened, ScanOptions(workers=1))
        yield opened


def test_document_reads_agree(index):
    db = index.connection
    stored = index.stored_documents()
    assert queries.document_count(db) == len(stored) == len(queries.report_documents(db)) == 5
    assert queries.document_ids_by_path(db) == {doc.path: doc.id for doc in stored.values()}
    some = sorted(doc.id for doc in stored.values())[:2]
    rows = queries.documents_by_id(db, some)
    assert sorted(rows) == some and all(set(row) == set(queries.CHECK_DOCUMENT_COLUMNS) for row in rows.values())
    assert queries.last_scan_finished(db) is not None


def test_reads_for_some_documents_are_the_whole_index_reads_narrowed(index):
    db = index.connection
    every = queries.report_reuses(db)
    assert every, "the seeds hold reuse"
    copy = every[0][4]
    touching = queries.reuses_touching(db, [copy])
    assert sorted(touching) == sorted(row[:8] + row[9:11] for row in every if copy in (row[1], row[4]))
    assert sorted(queries.copied_spans(db, [copy])) == sorted((row[4], row[5], row[6]) for row in every if row[4] == copy)
    paragraphs = [(doc, start, end, words, boilerplate)
                  for doc, _, start, end, words, _, boilerplate in queries.report_paragraphs(db) if doc == copy]
    assert queries.paragraph_spans(db, [copy]) == paragraphs
    # Each call fills its own id table: asking again for other documents is not polluted.
    assert queries.copied_spans(db, []) == []


def test_no_documents_before_the_first_scan(tmp_path):
    with Index.open(tmp_path / "empty.sqlite") as index:
        assert queries.document_count(index.connection) == 0
        assert queries.last_scan_finished(index.connection) is None
