"""Anchors sorted for lookup: who holds an anchor, without reading every anchor run.

The anchor runs (:mod:`provenance.store.keyruns`) are appended per batch in unit order,
which is cheap to write but answers "which paragraphs hold anchor x" only by reading
all of them: at 100k articles that is ~44 M entries for every scan, however few
articles it adds. Once a scan has matched its units, their live anchors are copied into
**segments**: ``(anchor, unit)`` pairs sorted by anchor then unit, as two ``int64``
blobs, with every :data:`BLOCK`-th anchor kept apart (``fences``), so a lookup reads
the fences and then only the blocks that can hold the wanted anchors (incremental blob
I/O, a bounded chunk at a time). The meta mark ``anchors_indexed_through`` says which
units the segments cover; the runs of later units are read directly (they are the
units of the current scan).

Segments hold at most :data:`MAX_SEGMENT` entries. A new segment is merged with the one
before it while that one is no larger (a binary counter: each entry is rewritten about
log2(n) times) and the two fit in one segment, so there are O(log n + n / MAX_SEGMENT)
of them. Entries of units deleted later stay until their segment is rewritten; readers
drop them (``dead_units``), as they do in the runs.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from provenance.store.keyruns import dead_ranges

__all__ = ["BLOCK", "MAX_SEGMENT", "add_sorted", "anchor_counts", "anchors_of_units", "holders", "indexed_through", "live",
           "reset", "sort_entries", "unindexed"]

#: Entries per block: a lookup reads whole blocks (8 bytes each of anchors and units).
BLOCK = 512
#: Largest segment, in entries (16 bytes each): bounds the memory of a merge.
MAX_SEGMENT = 1 << 22
#: Blocks read at once by a lookup.
_CHUNK_BLOCKS = 2048
_MARK = "anchors_indexed_through"

Entries = tuple[np.ndarray, np.ndarray]


def _empty() -> Entries:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


def indexed_through(db: sqlite3.Connection) -> int:
    """Units with smaller ids have their anchors in the segments."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_MARK,)).fetchone()
    return int(row[0]) if row else 0


def reset(db: sqlite3.Connection) -> None:
    """Forget the segments (the runs stay): the next :func:`add_sorted` starts afresh."""
    db.execute("DELETE FROM anchor_segments")
    db.execute("DELETE FROM meta WHERE key = ?", (_MARK,))


def live(values: np.ndarray, units: np.ndarray, dead: Entries) -> Entries:
    """The entries whose unit is not in a dead range."""
    firsts, stops = dead
    if not len(firsts) or not len(units):
        return values, units
    at = np.searchsorted(firsts, units, side="right") - 1
    alive = (at < 0) | (units >= stops[np.maximum(at, 0)])
    return values[alive], units[alive]


def sort_entries(values: np.ndarray, units: np.ndarray) -> Entries:
    """Entries in ``(anchor, unit)`` order."""
    if len(units) and bool(np.all(units[1:] >= units[:-1])):
        order = np.argsort(values, kind="stable")  # already in unit order: stable on anchors is enough
    else:
        order = np.lexsort((units, values))
    return values[order], units[order]


def unindexed(db: sqlite3.Connection, dead: Entries) -> Entries:
    """Live entries of the runs the segments do not cover, in unit order."""
    values, units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for blob_values, blob_units in db.execute(
            "SELECT anchors, units FROM anchor_runs WHERE first_unit >= ? ORDER BY first_unit", (indexed_through(db),)):
        if len(blob_values) != len(blob_units) or len(blob_values) % 8:
            raise sqlite3.DatabaseError("an anchor run is malformed")
        values.append(np.frombuffer(blob_values, dtype="<i8").astype(np.int64))
        units.append(np.frombuffer(blob_units, dtype="<i8").astype(np.int64))
    return live(np.concatenate(values), np.concatenate(units), dead)


def holders(db: sqlite3.Connection, wanted: np.ndarray, dead: Entries | None = None,
            fresh: Entries | None = None) -> Entries:
    """Every live ``(anchor, unit)`` entry whose anchor is in ``wanted`` (sorted unique),
    in ``(anchor, unit)`` order: from the segments and from the runs they do not cover
    (``fresh``: those runs' live entries when the caller has read them already)."""
    dead = dead_ranges(db) if dead is None else dead
    fresh = unindexed(db, dead) if fresh is None else fresh
    parts_values, parts_units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if len(wanted):
        for rowid, size, fences in db.execute("SELECT id, size, fences FROM anchor_segments ORDER BY id"):
            values, units = _lookup(db, rowid, size, np.frombuffer(fences, dtype="<i8"), wanted)
            values, units = live(values, units, dead)
            parts_values.append(values)
            parts_units.append(units)
        hit = np.isin(fresh[0], wanted)
        parts_values.append(fresh[0][hit])
        parts_units.append(fresh[1][hit])
    return sort_entries(np.concatenate(parts_values), np.concatenate(parts_units))


def _lookup(db: sqlite3.Connection, rowid: int, size: int, fences: np.ndarray, wanted: np.ndarray) -> Entries:
    """Entries of one segment whose anchor is in ``wanted``: only blocks that can hold
    one are read (a run of equal anchors may start in the block before its fence)."""
    first = np.maximum(np.searchsorted(fences, wanted, side="left") - 1, 0)
    last = np.searchsorted(fences, wanted, side="right")
    spans = last - first
    blocks = np.unique(np.repeat(last - spans, spans) + _ranks(spans)) if len(wanted) else np.zeros(0, np.int64)
    found_values, found_units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    with db.blobopen("anchor_segments", "anchors", rowid, readonly=True) as anchors, \
            db.blobopen("anchor_segments", "units", rowid, readonly=True) as units:
        for start_block, stop_block in _ranges(blocks):
            start, stop = start_block * BLOCK, min(stop_block * BLOCK, size)
            values = _read(anchors, start, stop)
            near = wanted[np.searchsorted(wanted, values[0]) : np.searchsorted(wanted, values[-1], side="right")]
            lo = np.searchsorted(values, near, side="left")
            hi = np.searchsorted(values, near, side="right")
            counts = hi - lo
            if not counts.any():
                continue
            positions = np.repeat(lo, counts) + _ranks(counts)
            # Units only for the blocks holding a hit.
            unit_blocks = np.unique(positions // BLOCK)
            unit_values = np.empty(len(positions), np.int64)
            for first_hit, stop_hit in _ranges(unit_blocks):
                lo_pos, hi_pos = first_hit * BLOCK, min(stop_hit * BLOCK, stop - start)
                chunk = _read(units, start + lo_pos, start + hi_pos)
                inside = (positions >= lo_pos) & (positions < hi_pos)
                unit_values[inside] = chunk[positions[inside] - lo_pos]
            found_values.append(values[positions])
            found_units.append(unit_values)
    return np.concatenate(found_values), np.concatenate(found_units)


def _ranks(counts: np.ndarray) -> np.ndarray:
    """``0..c-1`` for each count ``c``, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


def _ranges(blocks: np.ndarray) -> list[tuple[int, int]]:
    """Sorted block ids as ``[start, stop)`` runs of consecutive blocks, each at most
    :data:`_CHUNK_BLOCKS` long."""
    if not len(blocks):
        return []
    breaks = np.flatnonzero(np.diff(blocks) != 1) + 1
    ranges = []
    for run in np.split(blocks, breaks):
        for offset in range(0, len(run), _CHUNK_BLOCKS):
            piece = run[offset : offset + _CHUNK_BLOCKS]
            ranges.append((int(piece[0]), int(piece[-1]) + 1))
    return ranges


def _read(blob: sqlite3.Blob, start: int, stop: int) -> np.ndarray:
    blob.seek(8 * start)
    data = blob.read(8 * (stop - start))
    if len(data) != 8 * (stop - start):
        raise sqlite3.DatabaseError("an anchor segment is truncated")
    return np.frombuffer(data, dtype="<i8").astype(np.int64)


def anchors_of_units(db: sqlite3.Connection, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Sorted unique anchors of the units in the ``[first, stop)`` ranges, dead or alive
    (read from the runs holding them)."""
    found = [np.zeros(0, np.int64)]
    for first, stop in ranges:
        for blob_values, blob_units in db.execute(
                "SELECT anchors, units FROM anchor_runs WHERE stop_unit > ? AND first_unit < ?", (first, stop)):
            values = np.frombuffer(blob_values, dtype="<i8").astype(np.int64)
            units = np.frombuffer(blob_units, dtype="<i8")
            found.append(values[(units >= first) & (units < stop)])
    return np.unique(np.concatenate(found))


def anchor_counts(db: sqlite3.Connection, wanted: np.ndarray) -> dict[int, int]:
    """How many live paragraphs hold each anchor of ``wanted`` (sorted unique)."""
    values, _ = holders(db, np.asarray(wanted, dtype=np.int64))
    totals = np.searchsorted(values, wanted, side="right") - np.searchsorted(values, wanted, side="left")
    return dict(zip(np.asarray(wanted).tolist(), totals.tolist(), strict=True))


def add_sorted(db: sqlite3.Connection, values: np.ndarray, units: np.ndarray, through: int) -> None:
    """Store live entries (``(anchor, unit)`` order) of every unit the segments did not
    cover up to ``through``, and merge segments as the module says."""
    values, units = live(values, units, dead_ranges(db))
    for start in range(0, len(values), MAX_SEGMENT):
        _insert(db, values[start : start + MAX_SEGMENT], units[start : start + MAX_SEGMENT])
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_MARK, str(through)))
    dead = dead_ranges(db)
    while True:
        last_two = db.execute("SELECT id, size, first_unit, stop_unit FROM anchor_segments ORDER BY id DESC LIMIT 2").fetchall()
        if len(last_two) < 2:
            return
        (newer, newer_size, newer_first, _), (older, older_size, _, older_stop) = last_two
        if older_size > newer_size or older_size + newer_size > MAX_SEGMENT or older_stop > newer_first:
            return
        merged = [_read_all(db, older), _read_all(db, newer)]
        db.executemany("DELETE FROM anchor_segments WHERE id = ?", [(older,), (newer,)])
        values, units = live(np.concatenate([m[0] for m in merged]), np.concatenate([m[1] for m in merged]), dead)
        # The older segment's units all precede the newer's, so a stable sort on anchors
        # alone keeps (anchor, unit) order, and it only merges two sorted runs.
        order = np.argsort(values, kind="stable")
        _insert(db, values[order], units[order])


def _insert(db: sqlite3.Connection, values: np.ndarray, units: np.ndarray) -> None:
    if not len(values):
        return
    db.execute("INSERT INTO anchor_segments (first_unit, stop_unit, size, fences, anchors, units) VALUES (?, ?, ?, ?, ?, ?)",
               (int(units.min()), int(units.max()) + 1, len(values), _blob(values[::BLOCK]), _blob(values), _blob(units)))


def _read_all(db: sqlite3.Connection, rowid: int) -> Entries:
    anchors, units = db.execute("SELECT anchors, units FROM anchor_segments WHERE id = ?", (rowid,)).fetchone()
    return np.frombuffer(anchors, dtype="<i8").astype(np.int64), np.frombuffer(units, dtype="<i8").astype(np.int64)


def _blob(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype="<i8").tobytes()
