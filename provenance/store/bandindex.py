"""Band keys sorted for lookup: a bucket's stored members without reading every stored key.

The key runs (:mod:`provenance.store.keyruns`) keep each unit's band keys by position,
cheap to append but answering "which units have key k in band b" only by reading the
whole band: 8 bytes x 37 bands per stored unit for every scan, ``check`` or ``trace``
(~1.3 GB at 100k articles), however little they add. Once a scan has matched its units,
their live keys are copied into **segments**, per band: ``(key, unit)`` entries sorted by
key, cut into blocks of :data:`BLOCK` entries. A block is one row of ``band_blocks``
(keys as ``int64``, units as ``uint32`` offsets from the segment's first unit), and the
segment's row keeps each block's first key (``fences``), so a lookup reads the fences
and then only the blocks that can hold a wanted key. Blocks are rows, not slices of one
blob per segment, because SQLite reaches an offset inside a blob by walking its chain of
overflow pages from the start: a block deep in a 35 MB blob would cost reading the blob
up to it, where a row is a few page reads by rowid.

Size: 12 bytes per entry, so **444 bytes per unit** at 37 bands (plus a fence of 8 bytes
per block and SQLite's page overhead: measured 448-453 bytes per unit), next to the 296
bytes of its positional keys, which compaction, ``doctor``, the units not covered yet and
scans adding many units at once still read: when the blocks a band's lookup needs hold
more than :data:`RUNS_SHARE` of its entries (a thousand new articles into a 100k index
need nearly every block), reading the runs, 8 bytes per unit, is cheaper.

Segments hold at most :data:`MAX_SEGMENT` entries. A band's new segment is merged with
the one before it while that one is no larger (a binary counter: each entry is
rewritten about log2(n) times) and the two fit in one segment; every band gets the same
units, so all bands have the same segments. A first scan sorts each band once (into
one segment, or several of :data:`MAX_SEGMENT` entries, not merged). The meta mark ``bands_indexed_through`` says which units the
segments cover; later units are read from the runs. Entries of units deleted later stay
until their segment is rewritten; readers drop them (``dead_units``).
"""

from __future__ import annotations

import itertools
import sqlite3

import numpy as np

from provenance.store import keyruns
from provenance.store.anchorindex import live

__all__ = ["BLOCK", "MAX_SEGMENT", "RUNS_SHARE", "Lookup", "index_units", "indexed_through", "problems", "reset",
           "sort_entries", "unique_sorted"]

#: Entries per block: 8 bytes of key and 4 of unit each, 4,032 bytes, so that a block row
#: fills a 4 KB page (indexes made before 16 KB pages) or a quarter of a 16 KB one.
BLOCK = 336
#: Largest segment, in entries: bounds the memory of a merge (~28 bytes per entry).
MAX_SEGMENT = 1 << 22
#: Units of one segment are offsets from its first unit, stored as ``uint32``.
_MAX_SPAN = 1 << 32
#: When the blocks a lookup needs hold more than this share of a band's entries, the
#: runs are read instead (measured at 100k articles: 100 new articles need ~26 % of the
#: blocks and look up 2x faster than the runs; 1,000 need ~97 % and are no faster).
RUNS_SHARE = 0.5
#: Sorting this many entries at once stays in cache (see :func:`sort_entries`).
_SORT_CHUNK = 1 << 18
#: Block ids per ``IN (...)`` query.
_QUERY_BLOCKS = 500
_MARK = "bands_indexed_through"

Entries = tuple[np.ndarray, np.ndarray]


def indexed_through(db: sqlite3.Connection) -> int:
    """Units with smaller ids have their band keys in the segments."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_MARK,)).fetchone()
    return int(row[0]) if row else 0


def reset(db: sqlite3.Connection) -> None:
    """Forget the segments (the runs stay): the next :func:`index_units` starts afresh."""
    db.execute("DELETE FROM band_segments")
    db.execute("DELETE FROM band_blocks")
    db.execute("DELETE FROM meta WHERE key = ?", (_MARK,))


def problems(db: sqlite3.Connection) -> list[str]:
    """Segments whose blocks do not hold exactly their entries (one line each): a lookup
    would fail on them; ``provenance doctor --repair`` rebuilds the segments from the runs."""
    found = []
    for rowid, band, size, block, first_block, fences in db.execute(
            "SELECT id, band, size, block, first_block, length(fences) FROM band_segments ORDER BY id"):
        blocks = -(-size // block) if block > 0 else -1
        count, keys, units = db.execute(
            "SELECT COUNT(*), TOTAL(length(keys)), TOTAL(length(units)) FROM band_blocks WHERE id >= ? AND id < ?",
            (first_block, first_block + max(blocks, 0))).fetchone()
        if blocks < 0 or fences != 8 * blocks or count != blocks or keys != 8 * size or units != 4 * size:
            found.append(f"band segment {rowid} (band {band}) is malformed")
    return found


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: numpy 2.4's ``unique`` hashes, ~30x slower on 400k keys."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def sort_entries(keys: np.ndarray, units: np.ndarray) -> Entries:
    """Entries sorted by key (equal keys in any order: a lookup sorts what it finds).

    One ``argsort`` of millions of keys misses the cache on every comparison (1.2 s for
    4.4M); split first by the keys' top bits (a stable radix pass) into parts of at most
    ~:data:`_SORT_CHUNK`, each argsorted alone, it takes 0.5 s (a native pair sort was no
    faster on this machine).
    """
    if len(keys) <= _SORT_CHUNK:
        order = np.argsort(keys)
        return keys[order], units[order]
    bits = int(np.ceil(np.log2(len(keys) / _SORT_CHUNK)))
    top = ((keys.view(np.uint64) ^ np.uint64(1 << 63)) >> np.uint64(64 - bits)).astype(np.uint16)
    order = np.argsort(top, kind="stable")
    keys, units = keys[order], units[order]
    bounds = np.searchsorted(top[order], np.arange(1 << bits), side="left").tolist() + [len(keys)]
    for lo, hi in itertools.pairwise(bounds):
        part = np.argsort(keys[lo:hi])
        keys[lo:hi], units[lo:hi] = keys[lo:hi][part], units[lo:hi][part]
    return keys, units


class Lookup:
    """The segments of every band, for one band pass inside one read snapshot: each
    band's members with wanted keys, reading only the blocks that can hold them."""

    def __init__(self, db: sqlite3.Connection, dead: Entries) -> None:
        self._db, self._dead = db, dead
        #: Units below this are in the segments (when they are live).
        self.covered = indexed_through(db)
        self._segments: dict[int, list[tuple[int, int, int, int, int]]] = {}
        for rowid, band, first_unit, size, block, first_block in db.execute(
                "SELECT id, band, first_unit, size, block, first_block FROM band_segments ORDER BY id"):
            self._segments.setdefault(band, []).append((rowid, first_unit, size, block, first_block))

    def members(self, band: int, wanted: np.ndarray, below: int) -> Entries | None:
        """Live entries ``(key, unit)`` of ``band`` with ``key`` in ``wanted`` (sorted
        unique) and ``unit < below``, in ``(key, unit)`` order; ``None`` when the blocks
        that can hold them are more than :data:`RUNS_SHARE` of the band's entries (a scan
        adding many units): reading the runs (8 bytes per unit, not 12) is cheaper then."""
        segments = self._segments.get(band, [])
        blocks = [self._blocks(rowid, first_block, wanted) for rowid, _, _, _, first_block in segments]
        needed = sum(len(ids) * block for ids, (_, _, _, block, _) in zip(blocks, segments, strict=True))
        if needed > RUNS_SHARE * sum(size for _, _, size, _, _ in segments):
            return None
        found_keys, found_units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for ids, (rowid, first_unit, _, _, _) in zip(blocks, segments, strict=True):
            keys, offsets = self._read(rowid, ids, wanted)
            found_keys.append(keys)
            found_units.append(offsets.astype(np.int64) + first_unit)
        keys, units = live(np.concatenate(found_keys), np.concatenate(found_units), self._dead)
        keys, units = keys[units < below], units[units < below]
        order = np.lexsort((units, keys))
        return keys[order], units[order]

    def _blocks(self, rowid: int, first_block: int, wanted: np.ndarray) -> np.ndarray:
        """Ids of the segment's blocks that can hold a wanted key (a run of equal keys may
        start in the block before its fence)."""
        if not len(wanted):
            return np.zeros(0, np.int64)
        fences = np.frombuffer(self._db.execute("SELECT fences FROM band_segments WHERE id = ?", (rowid,)).fetchone()[0],
                               dtype="<i8")
        first = np.maximum(np.searchsorted(fences, wanted, side="left") - 1, 0)
        spans = np.searchsorted(fences, wanted, side="right") - first
        return unique_sorted(np.repeat(first, spans) + _ranks(spans)) + first_block

    def _read(self, rowid: int, blocks: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entries of ``blocks`` (of one segment) whose key is in ``wanted``."""
        key_parts, unit_parts = [], []
        for start in range(0, len(blocks), _QUERY_BLOCKS):
            ids = blocks[start : start + _QUERY_BLOCKS].tolist()
            for keys, units in self._db.execute(
                    f"SELECT keys, units FROM band_blocks WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id", ids):
                key_parts.append(keys)
                unit_parts.append(units)
        keys = np.frombuffer(b"".join(key_parts), dtype="<i8")
        offsets = np.frombuffer(b"".join(unit_parts), dtype="<u4")
        if len(keys) != len(offsets) or len(key_parts) != len(blocks):
            raise sqlite3.DatabaseError(f"band segment {rowid} is malformed; run 'provenance doctor --repair'")
        # The blocks read are in key order, so their keys are sorted: find each wanted run.
        lo = np.searchsorted(keys, wanted, side="left")
        counts = np.searchsorted(keys, wanted, side="right") - lo
        positions = np.repeat(lo, counts) + _ranks(counts)
        return keys[positions].astype(np.int64), offsets[positions]


def _ranks(counts: np.ndarray) -> np.ndarray:
    """``0..c-1`` for each count ``c``, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


def index_units(db: sqlite3.Connection, start: int, stop: int, num_bands: int) -> None:
    """Add the live band keys of units ``[start, stop)`` (read from the runs) to the
    segments, one sort per band, merge as the module says, and mark them covered."""
    runs = [run for run in keyruns.runs(db) if run.stop_unit > start and run.first_unit < stop]
    dead = keyruns.dead_ranges(db)
    with keyruns.BandReader(db) as reader:
        for band in range(num_bands):
            keys, units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
            for run in runs:
                span = range(max(start, run.first_unit), min(stop, run.stop_unit))
                keys.append(reader.read(run, band, span))
                units.append(np.arange(span.start, span.stop, dtype=np.int64))
            entries = sort_entries(*live(np.concatenate(keys), np.concatenate(units), dead))
            for first in range(0, len(entries[0]), MAX_SEGMENT):
                _insert(db, band, entries[0][first : first + MAX_SEGMENT], entries[1][first : first + MAX_SEGMENT])
            _merge_tail(db, band, dead)
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_MARK, str(stop)))


def _merge_tail(db: sqlite3.Connection, band: int, dead: Entries) -> None:
    while True:
        last_two = db.execute("SELECT id, size, first_unit, stop_unit FROM band_segments WHERE band = ? "
                              "ORDER BY id DESC LIMIT 2", (band,)).fetchall()
        if len(last_two) < 2:
            return
        (newer, newer_size, newer_first, newer_stop), (older, older_size, older_first, older_stop) = last_two
        if (older_size > newer_size or older_size + newer_size > MAX_SEGMENT or older_stop > newer_first
                or newer_stop - older_first > _MAX_SPAN):
            return
        merged = [_read_all(db, older), _read_all(db, newer)]
        keys, units = live(np.concatenate([m[0] for m in merged]), np.concatenate([m[1] for m in merged]), dead)
        order = np.argsort(keys, kind="stable")  # two sorted runs: timsort merges them in linear time
        _delete(db, older)
        _delete(db, newer)
        _insert(db, band, keys[order], units[order])


def _insert(db: sqlite3.Connection, band: int, keys: np.ndarray, units: np.ndarray) -> None:
    if not len(keys):
        return
    first_unit, stop_unit = int(units.min()), int(units.max()) + 1
    if stop_unit - first_unit > _MAX_SPAN:  # offsets would not fit: two segments by unit range
        middle = first_unit + (stop_unit - first_unit) // 2
        for part in (units < middle, units >= middle):
            _insert(db, band, keys[part], units[part])
        return
    first_block = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM band_blocks").fetchone()[0]
    offsets = np.ascontiguousarray(units - first_unit, dtype="<u4")
    keys = np.ascontiguousarray(keys, dtype="<i8")
    db.executemany("INSERT INTO band_blocks (id, keys, units) VALUES (?, ?, ?)",
                   ((first_block + at // BLOCK, keys[at : at + BLOCK].tobytes(), offsets[at : at + BLOCK].tobytes())
                    for at in range(0, len(keys), BLOCK)))
    db.execute("INSERT INTO band_segments (band, first_unit, stop_unit, size, block, first_block, fences) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               (band, first_unit, stop_unit, len(keys), BLOCK, first_block, keys[::BLOCK].tobytes()))


def _blocks(db: sqlite3.Connection, rowid: int) -> tuple[int, int, int]:
    """``(first_block, stop_block, first_unit)`` of a segment."""
    size, block, first_block, first_unit = db.execute(
        "SELECT size, block, first_block, first_unit FROM band_segments WHERE id = ?", (rowid,)).fetchone()
    return first_block, first_block + -(-size // block), first_unit


def _read_all(db: sqlite3.Connection, rowid: int) -> Entries:
    first_block, stop_block, first_unit = _blocks(db, rowid)
    rows = db.execute("SELECT keys, units FROM band_blocks WHERE id >= ? AND id < ? ORDER BY id",
                      (first_block, stop_block)).fetchall()
    keys = np.frombuffer(b"".join(row[0] for row in rows), dtype="<i8").astype(np.int64)
    units = np.frombuffer(b"".join(row[1] for row in rows), dtype="<u4").astype(np.int64) + first_unit
    return keys, units


def _delete(db: sqlite3.Connection, rowid: int) -> None:
    first_block, stop_block, _ = _blocks(db, rowid)
    db.execute("DELETE FROM band_blocks WHERE id >= ? AND id < ?", (first_block, stop_block))
    db.execute("DELETE FROM band_segments WHERE id = ?", (rowid,))
