"""Findings before and after the stock-phrase and notice filters, kept in step.

``finding_drafts`` holds every finding of the clusters (what
:func:`provenance.pipeline.cluster.cluster_findings` returns) under its cluster's stable
key, with two marks: ``stock`` (a short finding made of widely used phrases) and
``notice`` (a cross-outlet notice, per cluster); ``reuses`` holds the drafts with neither
mark, under the same ids, numbered densely 1..n in origin order.

Both marks depend on more than their draft: ``stock`` on how many paragraphs of the index
hold each anchor of the copy span (``anchors``: those anchors; ``anchor_mask``: which
of them were held by enough paragraphs when it was decided, so a draft is looked at
again only when that changes; ``draft_anchors``: the drafts holding each anchor, so the
drafts to look at again are found from the anchors whose counts a scan changed);
``notice`` on every draft of its cluster and on the other
clusters joining the same two articles.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from itertools import chain, pairwise

import numpy as np

from provenance.config import Config
from provenance.pipeline.arrays import in_sorted, unique_sorted
from provenance.pipeline.cluster import Finding
from provenance.pipeline.phrases import (
    StockWindows,
    is_short,
    lone_notices,
    novel_words,
    stock_windows,
)
from provenance.store.anchorindex import anchor_totals
from provenance.store.numbering import origin_order, pending, renumber_all
from provenance.store.passages import Texts

__all__ = ["Draft", "forget_drafts", "insert_drafts", "numbers_before", "recheck_notices", "recheck_stock", "renumber",
           "sync_reuses"]

ClusterKey = tuple[int, int, int]
Draft = tuple[ClusterKey, Finding]
#: :func:`recheck_stock` looks the changed anchors up in ``draft_anchors`` while they are
#: fewer than its rows over this; past that it tests every short draft's anchors.
_LOOKUP_SHARE = 4

_COLUMNS = ("origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end, similarity, shared, kind, "
            "origin_certain, jaccard, containment, matched")
_F_COLUMNS = ", ".join(f"f.{column}" for column in _COLUMNS.split(", "))


def _masks(arrays: list[np.ndarray], wanted: np.ndarray, totals: np.ndarray, config: Config) -> list[bytes]:
    """Each anchor array's mask: which of its anchors enough paragraphs hold
    (``totals``: the count of each anchor of ``wanted``, sorted, which holds them all), as
    ``np.packbits`` of one array gives it (bits padded to whole bytes), all at once."""
    if not arrays:
        return []
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    flat = np.concatenate(arrays).astype(np.int64)
    held = totals[np.searchsorted(wanted, flat)] >= config.align.stock_units
    sizes = (lengths + 7) // 8
    byte_bounds = np.concatenate([[0], np.cumsum(sizes)])
    bits = np.zeros(int(byte_bounds[-1]) * 8, dtype=bool)
    bits[np.repeat(byte_bounds[:-1] * 8 - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(flat))] = held
    packed = np.packbits(bits).tobytes()
    return [packed[start:stop] for start, stop in pairwise(byte_bounds.tolist())]


def _stock(finding: Finding, windows: StockWindows, counts: dict[int, int], config: Config) -> bool:
    novel = novel_words(finding.matched, windows, counts, config)
    return novel is not None and novel < config.segment.min_words


def insert_drafts(db: sqlite3.Connection, drafts: list[Draft], texts: Texts, config: Config) -> list[int]:
    """Store new drafts (stock mark decided, notice mark clear); their ids, in order."""
    texts.prefetch(f.copy_doc for _, f in drafts if is_short(f.matched, config))
    windows = {i: stock_windows(texts(f.copy_doc), f.copy_start, f.copy_end, config)
               for i, (_, f) in enumerate(drafts) if is_short(f.matched, config)}
    anchors = {i: unique_sorted(w.all_anchors()).astype("<i8") for i, w in windows.items()}
    wanted = unique_sorted(np.concatenate(list(anchors.values()))) if anchors else np.zeros(0, np.int64)
    totals = anchor_totals(db, wanted) if anchors else np.zeros(0, np.int64)
    counts = dict(zip(wanted.tolist(), totals.tolist(), strict=True))
    masks = dict(zip(anchors, _masks(list(anchors.values()), wanted, totals, config), strict=True))
    rows = []
    for i, (key, f) in enumerate(drafts):
        stock, blob, mask = 0, None, None
        if i in windows:
            stock = int(_stock(f, windows[i], counts, config))
            blob, mask = anchors[i].tobytes(), masks[i]
        rows.append((*key, f.origin_doc, f.origin_start, f.origin_end, f.copy_doc, f.copy_start, f.copy_end, f.similarity,
                     f.shared, f.kind, int(f.origin_certain), f.jaccard, f.containment, f.matched, stock, blob, mask))
    ids = _insert_numbered(db, rows)
    held = [(anchor, ids[i]) for i in sorted(anchors) for anchor in anchors[i].tolist()]
    db.executemany("INSERT OR IGNORE INTO draft_anchors (anchor, draft) VALUES (?, ?)", held)
    return ids


#: Drafts per ``INSERT`` statement (:func:`_insert_numbered`).
_ROWS = 128
_DRAFT_ROW = "(" + ", ".join(["?"] * 19) + ")"


def _insert_numbered(db: sqlite3.Connection, rows: list[tuple]) -> list[int]:
    """Insert draft rows, :data:`_ROWS` per statement, letting SQLite number them as one
    ``INSERT`` each would (the largest id plus one, row after row); their ids. A first
    scan of 100k articles stores ~74k drafts: one statement each cost ~2 s."""
    ids: list[int] = []
    for start in range(0, len(rows), _ROWS):
        part = rows[start : start + _ROWS]
        cursor = db.execute(
            f"""INSERT INTO finding_drafts (cluster_doc, cluster_start, cluster_end, {_COLUMNS}, stock, anchors,
                anchor_mask) VALUES {", ".join([_DRAFT_ROW] * len(part))}""", list(chain.from_iterable(part)))
        last = int(cursor.lastrowid or 0)
        ids.extend(range(last - len(part) + 1, last + 1))
    return ids


def forget_drafts(db: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Delete drafts and their anchor lookup rows."""
    rows = [(i,) for i in sorted(set(ids))]
    db.executemany("DELETE FROM draft_anchors WHERE draft = ?", rows)
    db.executemany("DELETE FROM finding_drafts WHERE id = ?", rows)


def recheck_stock(db: sqlite3.Connection, skip: set[int], texts: Callable[[int], str], config: Config,
                  changed: np.ndarray | None = None) -> set[int]:
    """Decide the stock mark again for stored short drafts (ids not in ``skip``) whose
    anchors crossed the stock threshold since it was decided; the ids whose mark changed.
    ``changed``: the anchors whose counts can have changed (held by units added or deleted
    since), so only the drafts holding one are looked at; ``None``: every short draft."""
    every = f"SELECT id, anchors, anchor_mask, stock, {_COLUMNS} FROM finding_drafts WHERE anchors IS NOT NULL"
    if changed is None:
        rows = db.execute(every).fetchall()
    elif _LOOKUP_SHARE * len(changed) < db.execute("SELECT COUNT(*) FROM draft_anchors").fetchone()[0]:
        _fill(db, "changed_anchors", ["anchor"], [(anchor,) for anchor in changed.tolist()])
        rows = db.execute(
            f"""SELECT f.id, f.anchors, f.anchor_mask, f.stock, {_F_COLUMNS} FROM finding_drafts AS f WHERE f.id IN (
                    SELECT h.draft FROM temp.changed_anchors AS c CROSS JOIN draft_anchors AS h ON h.anchor = c.anchor)
                AND f.anchors IS NOT NULL""").fetchall()
    else:
        # Many anchors changed (1,000 new articles at 100k: ~440k, against ~270k
        # ``draft_anchors`` rows): testing every short draft's anchors beats filling
        # a lookup table with them (0.8 s).
        rows = db.execute(every).fetchall()
        rows = [row for row, hit in zip(rows, _holding(rows, changed), strict=True) if hit]
    rows = [row for row in rows if row[0] not in skip]
    if not rows:
        return set()
    arrays = [np.frombuffer(row[1], dtype="<i8") for row in rows]
    wanted = unique_sorted(np.concatenate(arrays))
    totals = anchor_totals(db, wanted)
    counts: dict[int, int] | None = None
    flipped: set[int] = set()
    for row, mask in zip(rows, _masks(arrays, wanted, totals, config), strict=True):
        if mask == row[2]:
            continue
        counts = dict(zip(wanted.tolist(), totals.tolist(), strict=True)) if counts is None else counts
        finding = _finding(0, row[4:])
        windows = stock_windows(texts(finding.copy_doc), finding.copy_start, finding.copy_end, config)
        stock = int(_stock(finding, windows, counts, config))
        db.execute("UPDATE finding_drafts SET stock = ?, anchor_mask = ? WHERE id = ?", (stock, mask, row[0]))
        if stock != row[3]:
            flipped.add(row[0])
    return flipped


def _holding(rows: list[tuple], anchors: np.ndarray) -> list[bool]:
    """Whether each draft row's anchors blob (``row[1]``) holds one of ``anchors`` (sorted unique)."""
    arrays = [np.frombuffer(row[1], dtype="<i8") for row in rows]
    if not arrays:
        return []
    owners = np.repeat(np.arange(len(arrays)), [len(array) for array in arrays])
    hit = in_sorted(np.concatenate(arrays).astype(np.int64), anchors)
    return (np.bincount(owners[hit], minlength=len(arrays)) > 0).tolist()  # type: ignore[no-any-return]


def recheck_notices(db: sqlite3.Connection, keys: Iterable[ClusterKey], config: Config) -> set[int]:
    """Decide the notice mark again for every draft of the clusters ``keys``; the ids
    whose mark changed. The rule needs each cluster's drafts and, for each pair of
    articles they join, the clusters of every draft joining the same pair."""
    _fill(db, "notice_keys", ["doc", "start", "end"], sorted(set(keys)))
    own = db.execute(
        f"""SELECT f.id, f.notice, f.cluster_doc, f.cluster_start, f.cluster_end, {_F_COLUMNS} FROM temp.notice_keys AS k JOIN finding_drafts AS f
            ON f.cluster_doc = k.doc AND f.cluster_start = k.start AND f.cluster_end = k.end""").fetchall()
    pairs = sorted({(min(r[5], r[8]), max(r[5], r[8])) for r in own})
    _fill(db, "notice_pairs", ["low", "high"], pairs)
    related = db.execute(
        """SELECT f.id, f.notice, f.cluster_doc, f.cluster_start, f.cluster_end, f.origin_doc, f.copy_doc
           FROM temp.notice_pairs AS p JOIN finding_drafts AS f
           ON (f.origin_doc = p.low AND f.copy_doc = p.high) OR (f.origin_doc = p.high AND f.copy_doc = p.low)""").fetchall()
    numbers: dict[ClusterKey, int] = {}
    findings: list[Finding] = []
    ids: list[int] = []
    for row in own:
        findings.append(_finding(numbers.setdefault(tuple(row[2:5]), len(numbers) + 1), row[5:]))
        ids.append(row[0])
    own_ids = set(ids)
    for row in related:
        if row[0] not in own_ids:
            # Only the pair and the cluster of another cluster's draft matter to the rule.
            findings.append(Finding(numbers.setdefault(tuple(row[2:5]), len(numbers) + 1), row[5], 0, 0, row[6], 0, 0,
                                    1.0, 0, "", False, matched=1 << 30))
            ids.append(row[0])
    notices = lone_notices(findings, config)
    current = {row[0]: row[1] for row in own}
    changed = {ids[i] for i in range(len(own)) if int(i in notices) != current[ids[i]]}
    db.executemany("UPDATE finding_drafts SET notice = 1 - notice WHERE id = ?", [(i,) for i in sorted(changed)])
    return changed


def sync_reuses(db: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Make ``reuses`` hold exactly the drafts of ``ids`` that carry neither mark."""
    _fill(db, "synced", ["id"], [(i,) for i in sorted(set(ids))])
    db.execute("DELETE FROM reuses WHERE id IN (SELECT id FROM temp.synced)")
    db.execute(
        f"""INSERT INTO reuses (id, cluster, {_COLUMNS}) SELECT f.id, 0, {_F_COLUMNS} FROM temp.synced AS s JOIN finding_drafts AS f ON f.id = s.id
            WHERE f.stock = 0 AND f.notice = 0""")


def numbers_before(db: sqlite3.Connection, keys_of: dict[int, ClusterKey]) -> dict[ClusterKey, int]:
    """The cluster number of each key whose draft (``keys_of``: draft id -> key) is in
    ``reuses`` now: what :func:`renumber` keeps, read before :func:`sync_reuses`."""
    _fill(db, "numbered_ids", ["id"], [(i,) for i in sorted(keys_of)])
    return {keys_of[i]: number for i, number in db.execute(
        "SELECT r.id, r.cluster FROM temp.numbered_ids AS n JOIN reuses AS r ON r.id = n.id")}


def renumber(db: sqlite3.Connection, touched: set[ClusterKey] | None = None,
             before: dict[ClusterKey, int] | None = None, *, defer: bool = False) -> None:
    """Dense cluster numbers 1..n in origin order (the order key of each cluster's
    earliest span: dated first, instant, content hash, article id, offsets); only rows
    whose number changes are written.

    ``touched``: the only clusters whose ``reuses`` rows changed, with the numbers they
    had (``before``, from :func:`numbers_before`); ``None`` after articles were deleted
    (their rows went by cascade, so a cluster may have lost its last one unseen). When no cluster lost its last row and
    those that gained a first one all come after every other in origin order (a day's
    new articles), the others keep their numbers and only the touched rows are written;
    otherwise every cluster is numbered again.

    ``defer``: numbering every cluster again is left pending
    (:func:`~provenance.store.numbering.renumber_all`).
    """
    if touched is not None and not pending(db) and _renumber_touched(db, touched, before or {}):
        return
    renumber_all(db, defer=defer, touched=touched, before=before)


def _renumber_touched(db: sqlite3.Connection, touched: set[ClusterKey], before: dict[ClusterKey, int]) -> bool:
    _fill(db, "touched_keys", ["doc", "start", "end"], sorted(touched))
    rows: dict[ClusterKey, list[tuple[int, int]]] = {}
    for doc, start, end, draft, number in db.execute(
            """SELECT k.doc, k.start, k.end, r.id, r.cluster FROM temp.touched_keys AS k
               JOIN finding_drafts AS f ON f.cluster_doc = k.doc AND f.cluster_start = k.start AND f.cluster_end = k.end
               JOIN reuses AS r ON r.id = f.id"""):
        rows.setdefault((doc, start, end), []).append((draft, number))
    known = {key: number for key, number in before.items() if key in touched}
    for key, found in rows.items():
        known.update((key, number) for _, number in found if number)  # untouched rows keep theirs
    if any(key not in rows for key in known):
        return False  # a cluster lost its last row: every later number moves
    added = [key for key in rows if key not in known]
    if added:
        top = max([db.execute("SELECT COALESCE(MAX(cluster), 0) FROM reuses").fetchone()[0], *known.values()])
        last = next((key for key, number in known.items() if number == top), None)
        if last is None and top:
            found = db.execute("""SELECT f.cluster_doc, f.cluster_start, f.cluster_end FROM reuses AS r
                                  JOIN finding_drafts AS f ON f.id = r.id WHERE r.cluster = ? LIMIT 1""", (top,)).fetchone()
            if found is None:
                return False
            last = tuple(found)
        order = origin_order(db, added + ([last] if last else []))
        added.sort(key=order.__getitem__)
        if last is not None and order[added[0]] <= order[last]:
            return False  # a new cluster comes before an old one: numbers move
        known.update((key, top + rank) for rank, key in enumerate(added, start=1))
    db.executemany("UPDATE reuses SET cluster = ? WHERE id = ?",
                   [(known[key], draft) for key, found in rows.items() for draft, number in found if number != known[key]])
    return True


def _finding(cluster: int, row: tuple) -> Finding:
    (origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end, similarity, shared, kind, certain, jaccard,
     containment, matched) = row
    return Finding(cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end, similarity, shared,
                   kind, bool(certain), jaccard, containment, matched)


def _fill(db: sqlite3.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE {table} ({', '.join(columns)}, PRIMARY KEY ({', '.join(columns)})) WITHOUT ROWID")
    db.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES ({', '.join('?' * len(columns))})", rows)
