"""Reads the reports, ``trace``, ``check`` and ``doctor`` need, so that SQL stays inside ``store/``.

Each function takes an open connection and returns plain rows (tuples) in a documented
order; callers shape them into report records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from provenance.store.numbering import settle_numbers

__all__ = [
    "CHECK_DOCUMENT_COLUMNS",
    "REPORT_DOCUMENT_COLUMNS",
    "copied_spans",
    "document_count",
    "document_ids_by_path",
    "document_paragraphs",
    "documents_by_id",
    "documents_where",
    "incoming_reuses",
    "last_scan_finished",
    "outgoing_spans",
    "paragraph_spans",
    "report_documents",
    "report_paragraphs",
    "report_reuses",
    "reuses_touching",
    "trace_meta",
]

_DOCUMENT_COLUMNS = {"source", "path"}


def documents_where(db: sqlite3.Connection, column: str, value: str) -> list[tuple[int, str]]:
    """``(id, path)`` of the documents whose ``source`` or display ``path`` is ``value``."""
    if column not in _DOCUMENT_COLUMNS:
        raise ValueError(f"documents can be looked up by {sorted(_DOCUMENT_COLUMNS)}, not {column!r}")
    return [(int(doc), str(path)) for doc, path in
            db.execute(f"SELECT id, path FROM documents WHERE {column} = ?", (value,))]


def trace_meta(db: sqlite3.Connection, doc_id: int) -> tuple:
    """``(url, title, published_us, source, size, mtime_ns, content_hash)`` of a document."""
    return db.execute("SELECT url, title, published_us, source, size, mtime_ns, content_hash FROM documents "
                      "WHERE id = ?", (doc_id,)).fetchone()


def incoming_reuses(db: sqlite3.Connection, doc_id: int) -> list[tuple]:
    """Findings copied into ``doc_id``: ``(copy_start, copy_end, similarity, kind,
    origin_certain, origin path, origin url, origin published_us, origin_start,
    origin_end, origin_doc)``."""
    return db.execute(
        """SELECT r.copy_start, r.copy_end, r.similarity, r.kind, r.origin_certain, o.path, o.url, o.published_us,
                  r.origin_start, r.origin_end, r.origin_doc
           FROM reuses AS r JOIN documents AS o ON o.id = r.origin_doc WHERE r.copy_doc = ?""",
        (doc_id,),
    ).fetchall()


def outgoing_spans(db: sqlite3.Connection, doc_id: int) -> list[tuple[int, int]]:
    """``(origin_start, origin_end)`` of the findings whose origin is ``doc_id``."""
    return db.execute("SELECT origin_start, origin_end FROM reuses WHERE origin_doc = ?", (doc_id,)).fetchall()


def document_paragraphs(db: sqlite3.Connection, doc_id: int) -> list[tuple[int, int, int, int]]:
    """``(start, end, words, boilerplate)`` of each paragraph, in order."""
    return db.execute("SELECT start, end, words, boilerplate FROM paragraphs WHERE doc_id = ? ORDER BY idx",
                      (doc_id,)).fetchall()


def document_count(db: sqlite3.Connection) -> int:
    """How many documents the index holds."""
    return int(db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])


def last_scan_finished(db: sqlite3.Connection) -> str | None:
    """When the latest recorded scan finished (ISO 8601), ``None`` before the first."""
    row = db.execute("SELECT finished FROM scans ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def document_ids_by_path(db: sqlite3.Connection) -> dict[str, int]:
    """Every document's id by its display path."""
    return {str(path): int(doc_id) for doc_id, path in db.execute("SELECT id, path FROM documents")}


# -- the whole index, for the report model ---------------------------------------------

#: Columns of :func:`report_documents`' rows, in order.
REPORT_DOCUMENT_COLUMNS = ("id", "path", "url", "title", "authors", "published_us", "date_only", "encoding", "site")


def report_documents(db: sqlite3.Connection) -> dict[int, tuple]:
    """Every document's :data:`REPORT_DOCUMENT_COLUMNS` row, by id."""
    return {row[0]: row for row in db.execute(f"SELECT {', '.join(REPORT_DOCUMENT_COLUMNS)} FROM documents")}


def report_paragraphs(db: sqlite3.Connection) -> list[tuple[int, int, int, int, int, int, int]]:
    """``(doc_id, idx, start, end, words, fingerprint, boilerplate)`` of every paragraph,
    by document, then in order."""
    return db.execute(
        "SELECT doc_id, idx, start, end, words, fingerprint, boilerplate FROM paragraphs ORDER BY doc_id, idx"
    ).fetchall()


def report_reuses(db: sqlite3.Connection) -> list[tuple]:
    """Every finding: ``(cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start,
    copy_end, similarity, shared, kind, origin_certain, jaccard, containment, matched)``."""
    settle_numbers(db)
    return db.execute(
        """SELECT cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end,
                  similarity, shared, kind, origin_certain, jaccard, containment, matched FROM reuses"""
    ).fetchall()


# -- some documents, for check -----------------------------------------------------------

#: Columns of :func:`documents_by_id`' dicts.
CHECK_DOCUMENT_COLUMNS = ("id", "path", "source", "url", "title", "authors", "published_us", "date_only", "encoding", "site")


def _fill_ids(db: sqlite3.Connection, table: str, ids: Iterable[int]) -> None:
    """``temp.<table>`` holds exactly ``ids``: a join beats a long ``IN (?, ?, ...)``."""
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
    db.execute(f"DELETE FROM temp.{table}")
    db.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?)", [(int(i),) for i in ids])


def reuses_touching(db: sqlite3.Connection, doc_ids: Iterable[int]) -> list[tuple]:
    """Findings whose copy or origin is one of ``doc_ids``: ``(cluster, origin_doc,
    origin_start, origin_end, copy_doc, copy_start, copy_end, similarity, kind, origin_certain)``."""
    _fill_ids(db, "checked_docs", doc_ids)
    settle_numbers(db, "checked_docs")  # a sandbox leaves the numbers to the rows read
    return db.execute(
        """SELECT cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end, similarity, kind,
                  origin_certain FROM reuses WHERE copy_doc IN (SELECT id FROM temp.checked_docs)
                  OR origin_doc IN (SELECT id FROM temp.checked_docs)"""
    ).fetchall()


def documents_by_id(db: sqlite3.Connection, doc_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The :data:`CHECK_DOCUMENT_COLUMNS` of these documents, by id."""
    _fill_ids(db, "report_docs", sorted(doc_ids))
    rows = db.execute(
        f"SELECT {', '.join(CHECK_DOCUMENT_COLUMNS)} FROM documents WHERE id IN (SELECT id FROM temp.report_docs)"
    ).fetchall()
    return {row[0]: dict(zip(CHECK_DOCUMENT_COLUMNS, row, strict=True)) for row in rows}


def paragraph_spans(db: sqlite3.Connection, doc_ids: Iterable[int]) -> list[tuple[int, int, int, int, int]]:
    """``(doc_id, start, end, words, boilerplate)`` of these documents' paragraphs, by
    document, then in order."""
    _fill_ids(db, "report_docs", doc_ids)
    return db.execute(
        """SELECT doc_id, start, end, words, boilerplate FROM paragraphs
           WHERE doc_id IN (SELECT id FROM temp.report_docs) ORDER BY doc_id, idx"""
    ).fetchall()


def copied_spans(db: sqlite3.Connection, doc_ids: Iterable[int]) -> list[tuple[int, int, int]]:
    """``(copy_doc, copy_start, copy_end)`` of the findings copied into these documents."""
    _fill_ids(db, "report_docs", doc_ids)
    return db.execute(
        "SELECT copy_doc, copy_start, copy_end FROM reuses WHERE copy_doc IN (SELECT id FROM temp.report_docs)"
    ).fetchall()
