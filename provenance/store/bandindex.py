"""Band keys sorted for lookup: a bucket's stored members without reading every stored key.

The key runs (:mod:`provenance.store.keyruns`) keep each unit's band keys by position,
cheap to append but answering "which units have key k in band b" only by reading the
whole band: 8 bytes x 37 bands per stored unit for every scan, ``check`` or ``trace``
(~1.3 GB at 100k articles), however little they add. Once a scan has matched its units,
their live keys are copied into **segments**, per band: ``(key, unit)`` entries sorted by
key, cut into blocks of :data:`BLOCK` entries, one row of ``band_blocks`` each, with a
fence per block in the segment's row (``band_segments``), so a lookup reads the fences
and then only the blocks that can hold a wanted key (the layout, shared with the anchor
segments, is :mod:`provenance.store.segments`).

Size: 12 bytes per entry, so **444 bytes per unit** at 37 bands (plus a fence of 8 bytes
per block and SQLite's page overhead: measured 448-453 bytes per unit), next to the 296
bytes of its positional keys, which compaction, ``doctor``, the units not covered yet and
scans adding many units at once still read: when the blocks a band's lookup needs hold
more than :data:`RUNS_SHARE` of its entries (a thousand new articles into a 100k index
need nearly every block), reading the runs, 8 bytes per unit, is cheaper.

Each segment has a **membership filter** (``band_filters``, version 12: a blocked Bloom
filter of its keys, 10 bits an entry, ~1.9 % false positives; see
:mod:`provenance.store.segments`), read whole before its fences: a key it rules out
reads no block. The keys of new articles are mostly stored nowhere, and each cost a
random block row (~4 µs) to learn it: a ``check`` of 100 articles at 100k read ~134k.

Segments hold at most :data:`MAX_SEGMENT` entries. A band's new segment is merged with
the one before it while that one is no larger (a binary counter: each entry is
rewritten about log2(n) times) and the two fit in one segment; every band gets the same
units, so all bands have the same segments. A first scan sorts each band once (into
one segment, or several of :data:`MAX_SEGMENT` entries, not merged). The meta mark ``bands_indexed_through`` says which units the
segments cover; later units are read from the runs. Entries of units deleted later stay
until their segment is rewritten; readers drop them (``dead_units``).
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from provenance._native import membership_filter as _native_membership_filter
from provenance._native import sort_entries as _native_sort_entries
from provenance.pipeline.arrays import last_per_key
from provenance.store import keyruns
from provenance.store.segments import MAX_SPAN, Entries, SegmentStore, live

__all__ = ["BLOCK", "MAX_SEGMENT", "RUNS_SHARE", "Lookup", "add_missing_filters", "index_units", "indexed_through",
           "problems", "reset", "sort_entries"]

#: Entries per block: 8 bytes of key and 4 of unit each, 4,032 bytes, so that a block row
#: fills a 4 KB page (indexes made before 16 KB pages) or a quarter of a 16 KB one.
BLOCK = 336
#: Largest segment, in entries: bounds the memory of a merge (~28 bytes per entry).
MAX_SEGMENT = 1 << 22
#: Units of one segment are offsets from its first unit, stored as ``uint32``.
_MAX_SPAN = MAX_SPAN
#: When the blocks a lookup needs hold more than this share of a band's entries, the
#: runs are read instead (measured at 100k articles: 100 new articles need ~26 % of the
#: blocks and look up 2x faster than the runs; 1,000 need ~97 % and are no faster).
RUNS_SHARE = 0.5
_MARK = "bands_indexed_through"


def _store() -> SegmentStore:
    return SegmentStore("band_segments", "band_blocks", "keys", "band segment", BLOCK, MAX_SEGMENT, _MAX_SPAN, "band",
                        "band_filters")


def indexed_through(db: sqlite3.Connection) -> int:
    """Units with smaller ids have their band keys in the segments."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_MARK,)).fetchone()
    return int(row[0]) if row else 0


def reset(db: sqlite3.Connection) -> None:
    """Forget the segments (the runs stay): the next :func:`index_units` starts afresh."""
    _store().clear(db)
    db.execute("DELETE FROM meta WHERE key = ?", (_MARK,))


def add_missing_filters(db: sqlite3.Connection) -> int:
    """Make the membership filter of every segment without one (indexes made before
    version 12); how many were made."""
    return _store().add_missing_filters(db)


def problems(db: sqlite3.Connection) -> list[str]:
    """Segments whose blocks do not hold exactly their entries (one line each): a lookup
    would fail on them; ``provenance doctor --repair`` rebuilds the segments from the runs."""
    return _store().problems(db)


def _sorted_live(keys: np.ndarray, units: np.ndarray, dead: Entries) -> tuple[Entries, list[np.ndarray]]:
    """A band's live entries sorted, and the membership filter of each segment they make
    (on the sorting thread: 37 bands of 4.4M entries take ~1.5 s to filter at 100k)."""
    entries = sort_entries(*live(keys, units, dead))
    return entries, [_native_membership_filter(entries[0][first : first + MAX_SEGMENT])
                     for first in range(0, len(entries[0]), MAX_SEGMENT)]


def sort_entries(keys: np.ndarray, units: np.ndarray) -> Entries:
    """Entries sorted by key, then unit (a lookup sorts what it finds; the full order
    makes the stored blocks the same whatever order the entries came in).

    Natively: one counting pass on the keys' top bits into buckets of ~64 entries, each
    sorted in cache, on all cores. numpy's argsorts missed the cache on most comparisons
    (4.4M random keys: 0.86 s in cache-sized parts, 0.15 s now; a first scan of 100k
    articles sorts 37 such bands: 18.7 -> 5.7 s).
    """
    return _native_sort_entries(np.ascontiguousarray(keys, dtype=np.int64), np.ascontiguousarray(units, dtype=np.int64))


class Lookup:
    """The segments of every band, for one band pass inside one read snapshot: each
    band's members with wanted keys, reading only the blocks that can hold them."""

    def __init__(self, db: sqlite3.Connection, dead: Entries) -> None:
        self._db, self._dead, self._store = db, dead, _store()
        #: Units below this are in the segments (when they are live).
        self.covered = indexed_through(db)
        self._segments: dict[int, list[tuple[int, int, int, int, int]]] = {}
        for rowid, band, first_unit, size, block, first_block in db.execute(
                "SELECT id, band, first_unit, size, block, first_block FROM band_segments ORDER BY id"):
            self._segments.setdefault(band, []).append((rowid, first_unit, size, block, first_block))

    def members(self, band: int, wanted: np.ndarray, below: int, keep: int | None = None) -> Entries | None:
        """Live entries ``(key, unit)`` of ``band`` with ``key`` in ``wanted`` (sorted
        unique) and ``unit < below``, in ``(key, unit)`` order (with ``keep``, the last
        ``keep`` of each key); ``None`` when the blocks
        that can hold them are more than :data:`RUNS_SHARE` of the band's entries (a scan
        adding many units): reading the runs (8 bytes per unit, not 12) is cheaper then."""
        segments = self._segments.get(band, [])
        # Each segment's filter first: most keys of new articles are stored nowhere.
        held = [self._store.may_hold(self._db, rowid, wanted) for rowid, _, _, _, _ in segments]
        blocks = [self._blocks(rowid, first_block, keys)
                  for (rowid, _, _, _, first_block), keys in zip(segments, held, strict=True)]
        needed = sum(len(ids) * block for ids, (_, _, _, block, _) in zip(blocks, segments, strict=True))
        if needed > RUNS_SHARE * sum(size for _, _, size, _, _ in segments):
            return None
        found_keys, found_units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for ids, keys, (rowid, first_unit, _, _, _) in zip(blocks, held, segments, strict=True):
            keys, offsets = self._read(rowid, ids, keys)
            keys, units = live(keys, offsets.astype(np.int64) + first_unit, self._dead)
            keys, units = keys[units < below], units[units < below]
            if keep is not None:  # a segment's entries are in (key, unit) order
                keys, units = last_per_key(keys, units, keep)
            found_keys.append(keys)
            found_units.append(units)
        keys, units = np.concatenate(found_keys), np.concatenate(found_units)
        order = np.lexsort((units, keys))
        keys, units = keys[order], units[order]
        return (keys, units) if keep is None else last_per_key(keys, units, keep)

    def _blocks(self, rowid: int, first_block: int, wanted: np.ndarray) -> np.ndarray:
        """Ids of the segment's blocks that can hold a wanted key."""
        if not len(wanted):
            return np.zeros(0, np.int64)
        fences = self._db.execute("SELECT fences FROM band_segments WHERE id = ?", (rowid,)).fetchone()[0]
        return self._store.block_ids(rowid, fences, first_block, wanted)

    def _read(self, rowid: int, blocks: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entries of ``blocks`` (of one segment) whose key is in ``wanted``."""
        return self._store.read(self._db, rowid, blocks, wanted)


def index_units(db: sqlite3.Connection, start: int, stop: int, num_bands: int) -> None:
    """Add the live band keys of units ``[start, stop)`` (read from the runs) to the
    segments, one sort per band, merge as the module says, and mark them covered.

    A band is sorted (natively, without the GIL) on a helper thread while this one stores
    the band before it: a first scan at 100k sorts and stores 37 bands of 4.4M entries."""
    runs = [run for run in keyruns.runs(db) if run.stop_unit > start and run.first_unit < stop]
    dead = keyruns.dead_ranges(db)
    store = _store()

    def add(band: int, sorted_band: tuple[Entries, list[np.ndarray]]) -> None:
        (keys, units), filters = sorted_band
        for first, words in zip(range(0, len(keys), MAX_SEGMENT), filters, strict=True):
            store.insert(db, keys[first : first + MAX_SEGMENT], units[first : first + MAX_SEGMENT], band, words)
        store.merge_tail(db, dead, band)

    with keyruns.BandReader(db) as reader, ThreadPoolExecutor(max_workers=1, thread_name_prefix="provenance-sort") as pool:
        sorting: tuple[int, Future[tuple[Entries, list[np.ndarray]]]] | None = None
        for band in range(num_bands):
            keys, units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
            for run in runs:
                span = range(max(start, run.first_unit), min(stop, run.stop_unit))
                keys.append(reader.read(run, band, span))
                units.append(np.arange(span.start, span.stop, dtype=np.int64))
            next_sort = pool.submit(_sorted_live, np.concatenate(keys), np.concatenate(units), dead)
            if sorting is not None:
                add(sorting[0], sorting[1].result())
            sorting = (band, next_sort)
        if sorting is not None:
            add(sorting[0], sorting[1].result())
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_MARK, str(stop)))
