"""Cluster numbers of ``reuses``: dense 1..n in origin order, written all at once or,
in an index thrown away after use, only for the rows its readers ask for.

A ``check`` or ``trace`` of articles older than most of the index gives new clusters
that come before old ones, so every later number moves; in its sandbox, rolled back
afterwards, only the rows touching the checked articles are ever read. Numbering is then
left pending (a temp table says so, on the connection) and :func:`settle_numbers`
writes the numbers of the rows about to be read: a ``check`` of 100 such articles
against a 100k index rewrote ~60k rows for the few hundred it reads (0.8 s of its 7).
"""

from __future__ import annotations

import sqlite3

from provenance.store.schema import DOCUMENT_KEYS_INDEX, index_hint

__all__ = ["pending", "renumber_all", "settle_numbers"]

#: Temp table whose presence says the stored numbers are stale.
_PENDING = "numbers_pending"


def pending(db: sqlite3.Connection) -> bool:
    """Whether :func:`renumber_all` left numbering to the readers."""
    return db.execute("SELECT 1 FROM temp.sqlite_master WHERE name = ?", (_PENDING,)).fetchone() is not None


def renumber_all(db: sqlite3.Connection, *, defer: bool = False) -> None:
    """Number every cluster again, or with ``defer`` leave it to :func:`settle_numbers`."""
    if defer:
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_PENDING} (unused)")
        return
    _number(db)
    db.execute(f"DROP TABLE IF EXISTS temp.{_PENDING}")


def settle_numbers(db: sqlite3.Connection, docs_table: str | None = None) -> None:
    """If numbering is pending, number the rows whose copy or origin is an id of
    ``temp.<docs_table>`` (the reader's own list of articles; every row when ``None``:
    then nothing stays pending)."""
    if not pending(db):
        return
    if docs_table is None:
        renumber_all(db)
        return
    _number(db, f"AND (reuses.copy_doc IN temp.{docs_table} OR reuses.origin_doc IN temp.{docs_table})")


def _number(db: sqlite3.Connection, rows: str = "") -> None:
    """Write each cluster's number where it changed; ``rows``: a condition on ``reuses``
    limiting the rows written."""
    db.execute("DROP TABLE IF EXISTS temp.numbered")
    db.execute(
        f"""CREATE TEMP TABLE numbered AS
           SELECT k.cluster_doc, k.cluster_start, k.cluster_end, ROW_NUMBER() OVER (
               ORDER BY d.published_us IS NULL, COALESCE(d.published_us, 0), d.content_hash,
                        k.cluster_doc, k.cluster_start, k.cluster_end) AS number
           FROM (SELECT DISTINCT f.cluster_doc, f.cluster_start, f.cluster_end
                 FROM reuses AS r JOIN finding_drafts AS f ON f.id = r.id) AS k
           JOIN documents AS d {index_hint(db, DOCUMENT_KEYS_INDEX)} ON d.id = k.cluster_doc""")
    db.execute(
        """UPDATE reuses SET cluster = n.number FROM finding_drafts AS f JOIN temp.numbered AS n
           ON n.cluster_doc = f.cluster_doc AND n.cluster_start = f.cluster_start AND n.cluster_end = f.cluster_end
           WHERE f.id = reuses.id AND reuses.cluster != n.number """ + rows)
