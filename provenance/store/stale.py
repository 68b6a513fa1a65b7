"""What changed since the last findings refresh, so the refresh reads only that.

A refresh must look again at every unit added, deleted or whose paragraph's boilerplate
flag changed, and at every boilerplate group a paragraph joined or left:

* **added**: unit ids are never reused and new units are matched before a refresh, so the
  units with ids at or above the ``refreshed_units`` mark (``matched_through`` when the
  last refresh ran) are new; documents likewise from ``refreshed_docs`` (document ids
  can be reused after the highest one is deleted, so a deletion lowers the mark);
* **deleted**: :func:`note_deleted` runs in the deleting transaction, before the rows
  go, and keeps the unit ranges (``stale_units``) and paragraph fingerprints
  (``stale_fingerprints``) of the deleted documents.

A missing mark (a new or migrated index, or one last refreshed by an older version)
makes the next refresh a full one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Stale", "clear", "note_deleted", "since_last_refresh"]

_UNITS = "refreshed_units"
_DOCS = "refreshed_docs"


@dataclass(frozen=True, slots=True)
class Stale:
    """``first_unit``: units with larger or equal ids are new; ``first_doc``: documents
    likewise; ``deleted``: ``(first, stop)`` unit ranges deleted since."""

    first_unit: int
    first_doc: int
    deleted: list[tuple[int, int]]


def note_deleted(db: sqlite3.Connection, doc_ids: Sequence[int]) -> None:
    """Inside the deleting transaction, before the documents go: remember their units and
    paragraph fingerprints for the next refresh."""
    if not doc_ids:
        return
    params = [(int(doc),) for doc in doc_ids]
    db.executemany(
        "INSERT OR REPLACE INTO stale_units (first, stop) "
        "SELECT first, stop FROM doc_units WHERE doc_id = ?", params)
    db.executemany(
        "INSERT OR IGNORE INTO stale_fingerprints (fingerprint) SELECT fingerprint FROM paragraphs WHERE doc_id = ?",
        params)
    # Their drafts go by cascade; the lookup of short drafts by anchor goes with them.
    db.executemany(
        "DELETE FROM draft_anchors WHERE draft IN (SELECT id FROM finding_drafts WHERE copy_doc = ?1 OR origin_doc = ?1)",
        params)
    db.execute("UPDATE meta SET value = MIN(CAST(value AS INTEGER), ?) WHERE key = ?",
               (min(int(doc) for doc in doc_ids), _DOCS))


def since_last_refresh(db: sqlite3.Connection) -> Stale | None:
    """What changed since the last refresh; ``None`` when unknown (refresh everything)."""
    marks = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?, ?)", (_UNITS, _DOCS)).fetchall())
    if _UNITS not in marks or _DOCS not in marks:
        return None
    deleted = [(int(first), int(stop)) for first, stop in db.execute("SELECT first, stop FROM stale_units ORDER BY first")]
    return Stale(int(marks[_UNITS]), int(marks[_DOCS]), deleted)


def clear(db: sqlite3.Connection, matched_through: int) -> None:
    """At the end of a refresh: everything stored so far is refreshed (units from
    ``matched_through`` on were not matched yet, so they stay new)."""
    db.execute("DELETE FROM stale_units")
    db.execute("DELETE FROM stale_fingerprints")
    next_doc = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM documents").fetchone()[0]
    db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                   [(_UNITS, str(matched_through)), (_DOCS, str(next_doc))])
