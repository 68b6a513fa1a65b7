"""Cluster numbers of ``reuses``: dense 1..n in origin order, written all at once or,
in an index thrown away after use, only for the rows its readers ask for.

A ``check`` or ``trace`` of articles older than most of the index gives new clusters
that come before old ones, so every later number moves; in its sandbox, rolled back
afterwards, only the rows touching the checked articles are ever read. Numbering is then
left pending (a temp table says so, on the connection) and :func:`settle_numbers`
writes the numbers of the rows about to be read: a ``check`` of 100 such articles
against a 100k index rewrote ~60k rows for the few hundred it reads (0.8 s of its 7).

Ranking every cluster to number those rows still read all ~50k of them at 100k (~0.3 s
of a ``check``). So the refresh that defers numbering also leaves the clusters whose rows
it changed, with the numbers they had (:func:`renumber_all`); the rest keep theirs, which
were right before it. A cluster's new number is then its old rank, less the clusters
gone before it, plus the new ones before it; a new cluster's old rank is found by a
binary search over the old numbers (``reuses_cluster`` finds the cluster of a number).
Only the first settling reads them so: the rows it writes carry new numbers.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from collections.abc import Iterable, Mapping

from provenance.store.passages import fill_temp
from provenance.store.schema import (
    CLUSTER_NUMBER_INDEX,
    DOCUMENT_KEYS_INDEX,
    index_exists,
    index_hint,
)

__all__ = ["origin_order", "pending", "renumber_all", "settle_numbers"]

ClusterKey = tuple[int, int, int]
#: Temp table whose presence says the stored numbers are stale.
_PENDING = "numbers_pending"
#: Temp table of the clusters whose rows changed while numbering was pending, with the
#: number each had before (0: none); absent when that is not known (articles deleted).
_TOUCHED = "numbers_touched"
#: Temp table whose presence says rows were settled since numbering was left pending.
_SETTLED = "numbers_settled"


def pending(db: sqlite3.Connection) -> bool:
    """Whether :func:`renumber_all` left numbering to the readers."""
    return _exists(db, _PENDING)


def renumber_all(db: sqlite3.Connection, *, defer: bool = False, touched: Iterable[ClusterKey] | None = None,
                 before: Mapping[ClusterKey, int] | None = None) -> None:
    """Number every cluster again, or with ``defer`` leave it to :func:`settle_numbers`;
    ``touched`` (with ``defer``): the only clusters whose rows changed, with the numbers
    they had in ``before`` (``None``: not known)."""
    if not defer:
        _number(db)
        for table in (_PENDING, _TOUCHED, _SETTLED):
            db.execute(f"DROP TABLE IF EXISTS temp.{table}")
        return
    first = not pending(db)
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_PENDING} (unused)")
    if touched is None or not (first or _exists(db, _TOUCHED)):
        db.execute(f"DROP TABLE IF EXISTS temp.{_TOUCHED}")
        return
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCHED} (doc, start, end, number, PRIMARY KEY (doc, start, end)) "
               "WITHOUT ROWID")
    # A cluster touched again keeps the number it had when numbering was last right.
    db.executemany(f"INSERT OR IGNORE INTO temp.{_TOUCHED} VALUES (?, ?, ?, ?)",
                   [(*key, (before or {}).get(key, 0)) for key in sorted(set(touched))])


def settle_numbers(db: sqlite3.Connection, docs_table: str | None = None) -> None:
    """If numbering is pending, number the rows whose copy or origin is an id of
    ``temp.<docs_table>`` (the reader's own list of articles; every row when ``None``:
    then nothing stays pending)."""
    if not pending(db):
        return
    if docs_table is None:
        renumber_all(db)
        return
    rows = f"AND (reuses.copy_doc IN temp.{docs_table} OR reuses.origin_doc IN temp.{docs_table})"
    if _exists(db, _SETTLED) or not _exists(db, _TOUCHED) or not index_exists(db, CLUSTER_NUMBER_INDEX) \
            or not _number_touched(db, docs_table):
        _number(db, rows)
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_SETTLED} (unused)")


def origin_order(db: sqlite3.Connection, keys: Iterable[ClusterKey]) -> dict[ClusterKey, tuple]:
    """The order key clusters are numbered in (dated first, instant, content hash of the
    origin article, then the key)."""
    keys = set(keys)
    docs = _doc_orders(db, {key[0] for key in keys})
    return {key: (*docs[key[0]], *key) for key in keys}


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


def _number_touched(db: sqlite3.Connection, docs_table: str) -> bool:
    """Number the rows touching ``temp.<docs_table>`` from the old numbers and the touched
    clusters (see the module); ``False`` when what is stored does not add up (then
    nothing was written)."""
    read = db.execute(
        f"""SELECT r.id, r.cluster, f.cluster_doc, f.cluster_start, f.cluster_end FROM reuses AS r
            JOIN finding_drafts AS f ON f.id = r.id
            WHERE r.copy_doc IN temp.{docs_table} OR r.origin_doc IN temp.{docs_table}""").fetchall()
    wanted = {(doc, start, end) for _, _, doc, start, end in read}
    touched = {(doc, start, end): number for doc, start, end, number in db.execute(f"SELECT * FROM temp.{_TOUCHED}")}
    old = {key: number for key, number in touched.items() if number}
    live: set[ClusterKey] = set()
    for number, doc, start, end in _rows_of(db, wanted | touched.keys()):
        live.add((doc, start, end))
        if number:  # a row left as it was keeps the number it had
            old.setdefault((doc, start, end), number)
    if any(key not in old for key in wanted - touched.keys()):
        return False
    gone = [key for key in touched if key in old and key not in live]
    new = [key for key in touched if key in live and key not in old]
    top = max([db.execute("SELECT COALESCE(MAX(cluster), 0) FROM reuses").fetchone()[0], *old.values()])
    order = origin_order(db, wanted | set(gone) | set(new) | old.keys())
    gone_order, new_order = sorted(order[key] for key in gone), sorted(order[key] for key in new)
    numbers: dict[ClusterKey, int] = {}
    of_number = {number: key for key, number in old.items()}
    for key in wanted:
        at = order[key]
        if key in old:
            rank = old[key]
        else:
            found = _rank_below(db, at, top, of_number, order)
            if found is None:
                return False
            rank = found + 1
        numbers[key] = rank - bisect_left(gone_order, at) + bisect_left(new_order, at)
    db.executemany("UPDATE reuses SET cluster = ? WHERE id = ?",
                   [(numbers[(doc, start, end)], row) for row, number, doc, start, end in read
                    if number != numbers[(doc, start, end)]])
    return True


def _rank_below(db: sqlite3.Connection, at: tuple, top: int, of_number: dict[int, ClusterKey],
                order: dict[ClusterKey, tuple]) -> int | None:
    """How many clusters numbered before (1..``top``) come before order key ``at``: a
    binary search over the numbers (``of_number``: clusters known by number, the rest
    looked up by it; ``order``: their order keys); ``None`` when a number has no cluster."""
    query = f"""SELECT f.cluster_doc, f.cluster_start, f.cluster_end, d.published_us, d.content_hash
                FROM reuses AS r INDEXED BY {CLUSTER_NUMBER_INDEX} JOIN finding_drafts AS f ON f.id = r.id
                JOIN documents AS d {index_hint(db, DOCUMENT_KEYS_INDEX)} ON d.id = f.cluster_doc
                WHERE r.cluster = ? LIMIT 1"""
    low, high = 0, top  # clusters 1..low come before ``at``; low..high is still open
    while low < high:
        middle = (low + high + 1) // 2
        key = of_number.get(middle)
        if key is None:
            found = db.execute(query, (middle,)).fetchone()
            if found is None:
                return None
            doc, start, end, published, content_hash = found
            key = of_number[middle] = (doc, start, end)
            order[key] = (*_doc_order(published, content_hash), *key)
        if order[key] < at:
            low = middle
        else:
            high = middle - 1
    return low


def _rows_of(db: sqlite3.Connection, keys: set[ClusterKey]) -> list[tuple[int, int, int, int]]:
    """``(number, doc, start, end)`` of every row of the clusters ``keys``."""
    ordered = sorted(keys)
    return fill_temp(db, "numbers_keys", ["doc", "start", "end"], [[key[i] for key in ordered] for i in range(3)],
                     """SELECT r.cluster, k.doc, k.start, k.end FROM temp.numbers_keys AS k
                        JOIN finding_drafts AS f ON f.cluster_doc = k.doc AND f.cluster_start = k.start
                        AND f.cluster_end = k.end JOIN reuses AS r ON r.id = f.id""")


def _doc_orders(db: sqlite3.Connection, docs: set[int]) -> dict[int, tuple]:
    rows = fill_temp(db, "ordered_docs", ["id"], [sorted(docs)],
                     f"""SELECT d.id, d.published_us, d.content_hash FROM temp.ordered_docs AS o
                         JOIN documents AS d {index_hint(db, DOCUMENT_KEYS_INDEX)} ON d.id = o.id""")
    return {doc: _doc_order(published, content_hash) for doc, published, content_hash in rows}


def _doc_order(published: int | None, content_hash: str) -> tuple:
    """The origin article's part of a cluster's order key: dated first, instant, content hash."""
    return published is None, published or 0, content_hash


def _exists(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM temp.sqlite_master WHERE name = ?", (table,)).fetchone() is not None
