"""Anchors sorted for lookup: who holds an anchor, without reading every anchor run.

The anchor runs (:mod:`provenance.store.keyruns`) are appended per batch in unit order,
which is cheap to write but answers "which paragraphs hold anchor x" only by reading
all of them: at 100k articles that is ~44 M entries for every scan, however few
articles it adds. Once a scan has matched its units, their live anchors are copied into
**segments**: ``(anchor, unit)`` entries sorted by anchor then unit, cut into blocks of
:data:`BLOCK` entries, one row of ``anchor_blocks`` each, with a fence per block in the
segment's row (``anchor_segments``), so a lookup reads the fences and then only the
blocks that can hold the wanted anchors, by rowid (the layout, shared with the band
segments, is :mod:`provenance.store.segments`). Version 8 kept each segment as two
blobs read at offsets, and SQLite reaches an offset by walking the blob's overflow pages
from its start: at 100k articles ``check`` of 100 articles spent ~7 s there.

The meta mark ``anchors_indexed_through`` says which units the segments cover (always
the end of a run); the runs of later units are read directly (they are the units of the
current scan). Segments hold at most :data:`MAX_SEGMENT` entries and merge like a binary
counter, so there are O(log n + n / MAX_SEGMENT) of them. Size: 12 bytes per entry
(plus a fence of 8 bytes per block) beside the 16 of the runs. Entries of units deleted
later stay until their segment is rewritten; readers drop them (``dead_units``), as
they do in the runs.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import numpy as np

from provenance.errors import IndexError_
from provenance.pipeline.arrays import in_sorted, unique_sorted
from provenance.store.keyruns import dead_ranges
from provenance.store.segments import MAX_SPAN, Entries, SegmentStore, live

__all__ = ["BLOCK", "MAX_SEGMENT", "PARK_ENTRIES", "Parked", "add_sorted", "add_sorted_chunks", "anchor_counts", "anchor_totals",
           "anchors_of_units", "convert_v8_segment", "holders", "indexed_through", "live", "problems", "reset",
           "segment_holders", "segment_rows", "sort_entries", "unindexed", "unindexed_sorted", "with_fresh"]

#: Entries per block: 8 bytes of anchor and 4 of unit each, 4,032 bytes, so that a block
#: row fills a 4 KB page (indexes made before 16 KB pages) or a quarter of a 16 KB one.
BLOCK = 336
#: Largest segment, in entries: bounds the memory of a merge (~28 bytes per entry).
MAX_SEGMENT = 1 << 22
#: Units of one segment are offsets from its first unit, stored as ``uint32``.
_MAX_SPAN = MAX_SPAN
_MARK = "anchors_indexed_through"
#: Sorted entries waiting for the matching transaction go to a temporary file from this
#: many on (16 bytes an entry: 64 MB).
PARK_ENTRIES = 1 << 22


def _store() -> SegmentStore:
    return SegmentStore("anchor_segments", "anchor_blocks", "anchors", "anchor segment", BLOCK, MAX_SEGMENT, _MAX_SPAN)


def indexed_through(db: sqlite3.Connection) -> int:
    """Units with smaller ids have their anchors in the segments."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_MARK,)).fetchone()
    return int(row[0]) if row else 0


def reset(db: sqlite3.Connection) -> None:
    """Forget the segments (the runs stay): the next :func:`add_sorted` starts afresh."""
    _store().clear(db)
    db.execute("DELETE FROM meta WHERE key = ?", (_MARK,))


def problems(db: sqlite3.Connection) -> list[str]:
    """Segments whose blocks do not hold exactly their entries (one line each): a lookup
    would fail on them; ``provenance doctor --repair`` rebuilds them from the runs."""
    return _store().problems(db)


def sort_entries(values: np.ndarray, units: np.ndarray) -> Entries:
    """Entries in ``(anchor, unit)`` order, sorted in place: callers pass arrays they
    drop (a first scan of 100k articles sorts 44 M anchors, 0.7 GB; sorted copies
    beside them held 0.35 GB more)."""
    if len(values) and _fits_32_bits(values) and _fits_32_bits(units):
        # Anchors are 32-bit n-gram hashes and unit ids stay far below 2**32: one key
        # ``anchor << 32 | unit`` sorts in place, without an order array and the copies
        # taking through it (1.4 -> 1.05 GB for a first scan's 44 M anchors).
        key = np.empty(len(values), dtype=np.uint64)
        _pack(values, units, key)
        key.sort()
        np.right_shift(key, np.uint64(32), out=values, casting="unsafe")
        np.bitwise_and(key, np.uint64(0xFFFFFFFF), out=units, casting="unsafe")
        return values, units
    if len(units) and bool(np.all(units[1:] >= units[:-1])):
        order = np.argsort(values, kind="stable")  # already in unit order: stable on anchors is enough
    else:
        order = np.lexsort((units, values))
    values[:] = values[order]
    units[:] = units[order]
    return values, units


def _fits_32_bits(array: np.ndarray) -> bool:
    return array.dtype == np.int64 and (not len(array) or (bool(array.min() >= 0) and bool(array.max() < 1 << 32)))


def _pack(values: np.ndarray, units: np.ndarray, out: np.ndarray) -> None:
    """``out = values << 32 | units`` (``uint64``; both fit 32 bits, see :func:`_fits_32_bits`)."""
    np.left_shift(values.view(np.uint64), np.uint64(32), out=out)
    np.bitwise_or(out, units.view(np.uint64), out=out)


def _unindexed_runs(db: sqlite3.Connection) -> tuple[int, Iterator[Entries]]:
    """How many entries the runs the segments do not cover hold, and their entries, a
    run at a time in unit order (read-only views of the blobs)."""
    through = indexed_through(db)
    total = db.execute("SELECT COALESCE(SUM(length(anchors)), 0) FROM anchor_runs WHERE first_unit >= ?",
                       (through,)).fetchone()[0] // 8

    def entries() -> Iterator[Entries]:
        for blob_values, blob_units in db.execute(
                "SELECT anchors, units FROM anchor_runs WHERE first_unit >= ? ORDER BY first_unit", (through,)):
            if len(blob_values) != len(blob_units) or len(blob_values) % 8:
                raise sqlite3.DatabaseError("an anchor run is malformed")
            yield np.frombuffer(blob_values, dtype="<i8"), np.frombuffer(blob_units, dtype="<i8")

    return total, entries()


def unindexed(db: sqlite3.Connection, dead: Entries) -> Entries:
    """Live entries of the runs the segments do not cover, in unit order.

    Filled into arrays sized beforehand, not concatenated from parts: a first scan of
    100k articles reads 44 M anchors here, and parts plus their concatenation held
    twice the 0.7 GB they take."""
    total, runs = _unindexed_runs(db)
    values, units = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64)
    at = 0
    for run_values, run_units in runs:
        stop = at + len(run_values)
        if stop > len(values):  # a run written between the two reads (outside a transaction)
            values, units = np.resize(values, stop), np.resize(units, stop)
        values[at:stop], units[at:stop] = run_values, run_units
        at = stop
    return live(values[:at], units[:at], dead)


def unindexed_sorted(db: sqlite3.Connection, dead: Entries) -> Entries:
    """:func:`unindexed` in ``(anchor, unit)`` order, in half the memory when anchors and
    units fit 32 bits (as they do: anchors are 32-bit n-gram hashes, and unit ids stay far
    below 2**32): the runs are read straight into one ``anchor << 32 | unit`` key per
    entry, sorted in place, and returned as two ``uint32`` views of those keys. A first
    scan of 100k articles holds its 44 M anchors in 0.35 GB, not 0.7 (plus 0.35 to sort)."""
    total, runs = _unindexed_runs(db)
    keys = np.empty(total, dtype=np.uint64)
    at = 0
    for values, units in runs:
        stop = at + len(values)
        if stop > total or not (_fits_32_bits(values) and _fits_32_bits(units)):
            # A run written meanwhile (outside a transaction), or wider values: the general way.
            return sort_entries(*unindexed(db, dead))
        _pack(values, units, keys[at:stop])
        at = stop
    keys = keys[:at]
    keys.sort()
    halves = keys.view(np.uint32)  # little-endian: each key's low (unit) half comes first
    return live(halves[1::2], halves[0::2], dead)


def holders(db: sqlite3.Connection, wanted: np.ndarray, dead: Entries | None = None,
            fresh: Entries | None = None) -> Entries:
    """Every live ``(anchor, unit)`` entry whose anchor is in ``wanted`` (sorted unique),
    in ``(anchor, unit)`` order: from the segments and from the runs they do not cover
    (``fresh``: those runs' live entries when the caller has read them already)."""
    dead = dead_ranges(db) if dead is None else dead
    fresh = unindexed(db, dead) if fresh is None else fresh
    return with_fresh(segment_holders(db, segment_rows(db), wanted, dead), wanted, fresh)


SegmentRow = tuple[int, int, int, int, int, bytes]


def segment_rows(db: sqlite3.Connection) -> list[SegmentRow]:
    """``(id, first_unit, stop_unit, size, first_block, fences)`` of every segment, in
    order: blocks are only ever added under a new row and deleted with theirs, so two
    connections listing the same rows read the same entries."""
    return db.execute(
        "SELECT id, first_unit, stop_unit, size, first_block, fences FROM anchor_segments ORDER BY id").fetchall()


def segment_holders(db: sqlite3.Connection, rows: list[SegmentRow], wanted: np.ndarray, dead: Entries) -> Entries:
    """The live entries of the segments ``rows`` whose anchor is in ``wanted``, segment
    after segment (each in ``(anchor, unit)`` order)."""
    parts_values, parts_units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if len(wanted):
        store = _store()
        for rowid, first_unit, _, _, first_block, fences in rows:
            blocks = store.block_ids(rowid, fences, first_block, wanted)
            values, offsets = store.read(db, rowid, blocks, wanted)
            values, units = live(values, offsets.astype(np.int64) + first_unit, dead)
            parts_values.append(values)
            parts_units.append(units)
    return np.concatenate(parts_values), np.concatenate(parts_units)


def with_fresh(stored: Entries, wanted: np.ndarray, fresh: Entries) -> Entries:
    """:func:`segment_holders`' entries and those of ``fresh`` whose anchor is in
    ``wanted``, in ``(anchor, unit)`` order."""
    if not len(wanted):
        return sort_entries(np.zeros(0, np.int64), np.zeros(0, np.int64))
    hit = in_sorted(fresh[0], wanted)
    return sort_entries(np.concatenate([stored[0], fresh[0][hit]]), np.concatenate([stored[1], fresh[1][hit]]))


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
    return unique_sorted(np.concatenate(found))


def anchor_counts(db: sqlite3.Connection, wanted: np.ndarray) -> dict[int, int]:
    """How many live paragraphs hold each anchor of ``wanted`` (sorted unique)."""
    return dict(zip(np.asarray(wanted).tolist(), anchor_totals(db, wanted).tolist(), strict=True))


def anchor_totals(db: sqlite3.Connection, wanted: np.ndarray) -> np.ndarray:
    """:func:`anchor_counts` as an array aligned with ``wanted``."""
    wanted = np.asarray(wanted, dtype=np.int64)
    values, _ = holders(db, wanted)
    return np.searchsorted(values, wanted, side="right") - np.searchsorted(values, wanted, side="left")


def add_sorted(db: sqlite3.Connection, values: np.ndarray, units: np.ndarray, through: int) -> None:
    """Store live entries (``(anchor, unit)`` order) of every unit the segments did not
    cover up to ``through``, and merge segments as the module says."""
    add_sorted_chunks(db, [(values, units)], through)


def add_sorted_chunks(db: sqlite3.Connection, chunks: Iterable[Entries], through: int) -> None:
    """:func:`add_sorted` of the entries given as consecutive chunks (each sorted, and
    together in order): the same segments, with one segment's entries in memory at most."""
    store, dead = _store(), dead_ranges(db)
    held_values: list[np.ndarray] = []
    held_units: list[np.ndarray] = []
    held = 0
    for chunk_values, chunk_units in chunks:
        chunk_values, chunk_units = live(chunk_values, chunk_units, dead)
        held_values.append(chunk_values)
        held_units.append(chunk_units)
        held += len(chunk_values)
        while held >= MAX_SEGMENT:
            values, units = _joined(held_values), _joined(held_units)
            store.insert(db, values[:MAX_SEGMENT], units[:MAX_SEGMENT])
            held_values, held_units = [values[MAX_SEGMENT:]], [units[MAX_SEGMENT:]]
            held -= MAX_SEGMENT
    if held:
        store.insert(db, _joined(held_values), _joined(held_units))
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_MARK, str(through)))
    store.merge_tail(db, dead)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


class Parked:
    """Sorted entries waiting for the transaction that stores them: in memory, or from
    :data:`PARK_ENTRIES` on in an unnamed temporary file (beside the index when its
    folder is writable). A first scan of 100k articles otherwise holds its 44 M anchors
    (0.7 GB) through the whole verification stage. Use as a context manager."""

    def __init__(self, entries: Entries, directory: Path | None = None) -> None:
        values, units = entries
        self._count = len(values)
        self._entries: Entries | None = entries
        self._file: IO[bytes] | None = None
        if self._count >= PARK_ENTRIES:
            try:
                self._file = _temporary_file(directory)
                for array in (values, units):
                    for start in range(0, self._count, MAX_SEGMENT):  # int64 copies a chunk at a time
                        _write_all(self._file.fileno(),
                                   np.ascontiguousarray(array[start : start + MAX_SEGMENT], dtype=np.int64))
            except OSError as exc:
                if self._file is not None:
                    self._file.close()
                raise IndexError_(
                    f"cannot set this scan's {self._count:,} sorted anchors aside in a temporary file ({exc}); free some "
                    "space beside the index or in the temporary folder and run again: the index holds what was committed"
                ) from exc
            self._entries = None

    def chunks(self, size: int) -> Iterator[Entries]:
        """The entries in order, ``size`` at a time (read back from the file, if parked)."""
        if self._file is None:
            assert self._entries is not None
            yield self._entries
            return
        fd = self._file.fileno()
        for start in range(0, self._count, size):
            count = min(size, self._count - start)
            yield (_read_exactly(fd, count, 8 * start),
                   _read_exactly(fd, count, 8 * (self._count + start)))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._file is not None:
            self._file.close()
        self._entries = None


def _temporary_file(directory: Path | None) -> IO[bytes]:
    if directory is not None:
        try:
            return tempfile.TemporaryFile(dir=directory, prefix=".provenance-anchors-")
        except OSError:
            pass  # a read-only folder: the system's temporary folder instead
    return tempfile.TemporaryFile(prefix="provenance-anchors-")


def _write_all(fd: int, array: np.ndarray) -> None:
    view = array.data.cast("B")
    while len(view):
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, count: int, offset: int) -> np.ndarray:
    data = os.pread(fd, 8 * count, offset)
    if len(data) != 8 * count:
        raise OSError(f"a temporary anchor file ended early ({len(data)} of {8 * count} bytes)")
    return np.frombuffer(data, dtype=np.int64)


def convert_v8_segment(db: sqlite3.Connection, anchors: bytes, units: bytes) -> None:
    """Store a segment of version 8 (its entries as two ``int64`` blobs) in blocks, as it
    was: same entries, same place in the merge order (segments are added by id)."""
    if len(anchors) != len(units) or len(anchors) % 8:
        raise sqlite3.DatabaseError("an anchor segment is malformed; rebuild the index with 'provenance scan'")
    _store().insert(db, np.frombuffer(anchors, dtype="<i8").astype(np.int64),
                    np.frombuffer(units, dtype="<i8").astype(np.int64))
