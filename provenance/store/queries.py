"""Reads the reports and ``trace`` need, so that SQL stays inside ``store/``.

Each function takes an open connection and returns plain rows (tuples) in a documented
order; callers shape them into report records.
"""

from __future__ import annotations

import sqlite3

__all__ = ["document_paragraphs", "documents_where", "incoming_reuses", "outgoing_spans", "trace_meta"]

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
