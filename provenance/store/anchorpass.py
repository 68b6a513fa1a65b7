"""The anchor pass of matching: the pending units' anchors looked up among the stored
units', and the unit pairs the shared anchors propose.

Reading the anchor segments' blocks for them takes a ``check`` of 100 articles at 100k
about as long as the band pass before it (~0.6 s each), and each keeps one core of two
busy. For an index thrown away after use (a ``check`` or ``trace`` sandbox, a scratch
copy) whose pending units are few enough (:data:`AHEAD_UNITS`: their anchors are held
through the band pass), the segments are read on a helper thread over a read-only
connection of its own while the band pass runs. A scan does not: its band pass already
keeps both cores busy (with the checkpoint helper and the pairing thread), and a
1,000-article scan at 100k took as long either way (four pairs, 20-23 s).

The helper's connection may see another state than the caller's snapshot: a later
commit (a concurrent writer's), or the file before the caller's own transaction (a
sandbox migrating an older file inside it). It reads only if it lists the very segment
rows the caller does, which then hold the same entries (blocks are only added under a
new row and deleted with theirs); else, or if it fails, the caller reads them.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from provenance.errors import ProvenanceError
from provenance.pipeline.arrays import unique_sorted
from provenance.pipeline.lsh import unique_pairs
from provenance.store import anchorindex, keyruns
from provenance.store.opening import connect
from provenance.store.segments import Entries

__all__ = ["AHEAD_UNITS", "AnchorLookup", "anchor_pairs"]

#: Pending units up to which the stored holders are read during the band pass (~10
#: anchors each, 16 bytes an entry: ~0.16 GB held at most).
AHEAD_UNITS = 1 << 20


def anchor_pairs(db: sqlite3.Connection, dead: Entries, first_new: int, columns: keyruns.UnitColumns,
                 max_units: int) -> np.ndarray:
    """Unit pairs ``a < b`` (``b`` pending) of different articles sharing an anchor, as
    an int64 ``(n, 2)`` array, sorted and unique.

    An anchor pairs only the first ``max_units`` units (by arrival: unit id) that hold
    it, so a stock phrase proposes a bounded number of pairs, and a scan in several
    batches proposes exactly the pairs one scan of the same sequence would. Vectorised:
    rows sorted by (anchor, unit), then every group size's pairs at once. Only the
    anchors of pending units are looked up in the stored ones
    (:mod:`provenance.store.anchorindex`), whose other anchors can pair nothing new.
    """
    with AnchorLookup(db, dead, first_new) as lookup:
        return lookup.pairs(columns, max_units)[0]


class AnchorLookup:
    """``with AnchorLookup(db, dead, first_new, elsewhere) as lookup: ...`` then
    :meth:`pairs`. With ``elsewhere`` (the index file) and segments to read, the stored
    holders are read from it on a helper thread from the start of the block; else all
    is read in :meth:`pairs`, as late as possible (a first scan's pending anchors,
    0.35 GB at 100k articles, are not held through the band pass)."""

    def __init__(self, db: sqlite3.Connection, dead: Entries, first_new: int, elsewhere: Path | None = None) -> None:
        self._db, self._dead, self._first_new, self._elsewhere = db, dead, first_new, elsewhere
        self._fresh: Entries | None = None
        self._wanted: np.ndarray | None = None  # None: nothing to look up (a first scan)
        self._rows: list[anchorindex.SegmentRow] = []
        self._pool: ThreadPoolExecutor | None = None
        self._reading: Future[Entries | None] | None = None

    def __enter__(self) -> Self:
        if self._elsewhere is not None and (rows := anchorindex.segment_rows(self._db)):
            self._start(rows)
            if self._wanted is not None and len(self._wanted):
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="provenance-anchors")
                self._reading = self._pool.submit(_read_elsewhere, self._elsewhere, self._rows, self._wanted, self._dead)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # its connection is closed before the caller's goes
            self._pool = None

    def _start(self, rows: list[anchorindex.SegmentRow]) -> None:
        """The live anchors of the runs the segments ``rows`` do not cover yet, and which
        to look up."""
        fresh = self._fresh = anchorindex.unindexed_sorted(self._db, self._dead)
        pending = fresh[1] >= self._first_new
        self._rows = rows
        if rows or not bool(pending.all()):
            self._wanted = unique_sorted(fresh[0][pending])

    def pairs(self, columns: keyruns.UnitColumns, max_units: int) -> tuple[np.ndarray, Entries]:
        """:func:`anchor_pairs`, and the live anchors of the runs the segments do not cover
        yet, sorted (what the scan then adds to them)."""
        if self._fresh is None:
            self._start(anchorindex.segment_rows(self._db))
        assert self._fresh is not None
        values, units = self._fresh if self._wanted is None else self._holders(self._wanted)
        return _pairs_of_groups(values, units, self._first_new, columns, max_units), self._fresh

    def _holders(self, wanted: np.ndarray) -> Entries:
        assert self._fresh is not None
        stored = self._reading.result() if self._reading is not None else None
        if stored is None:
            stored = anchorindex.segment_holders(self._db, self._rows, wanted, self._dead)
        return anchorindex.with_fresh(stored, wanted, self._fresh)


def _read_elsewhere(path: Path, rows: list[anchorindex.SegmentRow], wanted: np.ndarray, dead: Entries) -> Entries | None:
    """:func:`~provenance.store.anchorindex.segment_holders` over a read-only connection
    of its own; ``None`` when it lists other segments than ``rows`` or cannot read."""
    try:
        connection = connect(path, readonly=True)
    except (ProvenanceError, sqlite3.Error):
        return None
    try:
        connection.execute("BEGIN")
        if anchorindex.segment_rows(connection) != rows:
            return None
        return anchorindex.segment_holders(connection, rows, wanted, dead)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _pairs_of_groups(values: np.ndarray, units: np.ndarray, first_new: int, columns: keyruns.UnitColumns,
                     max_units: int) -> np.ndarray:
    """The pairs of :func:`anchor_pairs` from live entries in ``(anchor, unit)`` order."""
    # Only anchors held by two units or more can pair: their groups are the runs of equal
    # neighbours (most anchors are held once, and arrays over every group of a first
    # scan's 44 M anchors took a gigabyte).
    same = np.diff((values[1:] == values[:-1]).astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(same == 1)
    sizes = np.flatnonzero(same == -1) - starts + 1
    capped = np.minimum(sizes, max_units)
    # A group proposes pairs only if its last kept unit is pending (units ascend in it).
    useful = units[starts + capped - 1] >= first_new
    left_parts, right_parts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for size in unique_sorted(capped[useful]).tolist():
        group_starts = starts[useful & (capped == size)]
        i, j = np.triu_indices(size, 1)
        left_parts.append((group_starts[:, None] + i[None, :]).ravel())
        right_parts.append((group_starts[:, None] + j[None, :]).ravel())
    a = units[np.concatenate(left_parts)].astype(np.int64)
    b = units[np.concatenate(right_parts)].astype(np.int64)
    pending = b >= first_new
    a, b = a[pending], b[pending]
    if len(a):
        docs_a, _ = columns.lookup(a)
        docs_b, _ = columns.lookup(b)
        a, b = a[docs_a != docs_b], b[docs_a != docs_b]
    return unique_pairs([np.stack([a, b], axis=1)])
