"""Sorted ``(key, unit)`` entries stored as block rows: what the band and anchor segments share.

A **segment** (:mod:`provenance.store.bandindex`, :mod:`provenance.store.anchorindex`)
is a run of entries sorted by key, cut into blocks of ``block`` entries. Each block is
one row of a blocks table (keys as ``int64``, units as ``uint32`` offsets from the
segment's first unit), and the segment's row keeps each block's first key (``fences``),
so a lookup reads the fences and then only the block rows that can hold a wanted key,
by rowid. Rows, not slices of one blob per segment, because SQLite reaches an offset
inside a blob by walking its chain of overflow pages from the start: a block deep in a
35 MB blob costs reading the blob up to it, where a row is a few page reads.

A segment may have a **membership filter** (band segments do, in ``band_filters``,
version 12): a blocked Bloom filter of its keys, ~10 bits an entry, read whole in one
row. A lookup asks it first and reads blocks only for the keys it cannot rule out: new
articles' keys are mostly stored nowhere (~94 % of a ``check``'s at 100k articles), and
each of those cost a random block row to learn it. A segment without one (none made
before version 12 lacks one after the migration) is read as before.

A new segment is merged with the one before it (of its group: a band) while that one is
no larger and the two fit in one segment (a binary counter: each entry is rewritten
about log2(n) times). Entries of units deleted later stay until their segment is
rewritten; readers drop them (:func:`live`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from provenance import _native
from provenance.pipeline.arrays import unique_sorted
from provenance.store.keyruns import alive

__all__ = ["MAX_SPAN", "Entries", "SegmentStore", "live", "ranks"]

#: Units of one segment are offsets from its first unit, stored as ``uint32``.
MAX_SPAN = 1 << 32
#: Block ids per ``IN (...)`` query.
_QUERY_BLOCKS = 500
#: A filter is read in parts when it has this many words or more per key looked up:
#: reading it whole costs ~2.2 ms a MB at 100k articles, each key's word ~1.3 µs besides
#: walking the pages before it (measured break-even: ~100 words a key).
_SPARSE_FILTER = 256
#: Wanted words at most this far apart are read in one piece.
_GAP_WORDS = 512

Entries = tuple[np.ndarray, np.ndarray]


def live(values: np.ndarray, units: np.ndarray, dead: Entries) -> Entries:
    """The entries whose unit is not in a dead range (``dead``: sorted firsts, stops)."""
    if not len(dead[0]) or not len(units):
        return values, units
    kept = alive(units, dead)
    return values[kept], units[kept]


def ranks(counts: np.ndarray) -> np.ndarray:
    """``0..c-1`` for each count ``c``, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


@dataclass(frozen=True, slots=True)
class SegmentStore:
    """The tables of one kind of segment and their sizes (read from the owning module's
    constants at each use, so tests can shrink them).

    ``segments`` has columns ``id, first_unit, stop_unit, size, block, first_block,
    fences`` (plus ``group``, when segments are kept per group); ``blocks`` has ``id``,
    the key column ``keys`` and ``units``; ``filters`` (if any) has ``segment`` and
    ``bits``, each segment's membership filter. ``name`` is what messages call a segment.
    """

    segments: str
    blocks: str
    keys: str
    name: str
    block: int
    max_segment: int
    max_span: int = MAX_SPAN
    group: str | None = None
    filters: str | None = None

    def clear(self, db: sqlite3.Connection) -> None:
        """Forget every segment (derived data: the runs stay)."""
        db.execute(f"DELETE FROM {self.segments}")
        db.execute(f"DELETE FROM {self.blocks}")
        if self.filters:
            db.execute(f"DELETE FROM {self.filters}")

    def may_hold(self, db: sqlite3.Connection, rowid: int, wanted: np.ndarray) -> np.ndarray:
        """The keys of ``wanted`` (sorted unique) that segment ``rowid``'s filter cannot
        rule out: all of them without a filter."""
        if not self.filters or not len(wanted):
            return wanted
        row = db.execute(f"SELECT length(bits) FROM {self.filters} WHERE segment = ?", (rowid,)).fetchone()
        if row is None:
            return wanted
        if not row[0] or row[0] % 8:
            raise sqlite3.DatabaseError(f"{self.name} {rowid} is malformed; run 'provenance doctor --repair'")
        keys = np.ascontiguousarray(wanted, dtype=np.int64)
        with db.blobopen(self.filters, "bits", rowid, readonly=True) as blob:
            words = _filter_words_read(blob, row[0] // 8, keys)
        return wanted[_native.filter_contains(words, keys)]

    def add_missing_filters(self, db: sqlite3.Connection) -> int:
        """Make the filter of every segment that has none (an index made before filters);
        returns how many were made."""
        if not self.filters:
            return 0
        missing = [row[0] for row in db.execute(
            f"SELECT id FROM {self.segments} WHERE id NOT IN (SELECT segment FROM {self.filters}) ORDER BY id")]
        for rowid in missing:
            self._add_filter(db, rowid, self.read_all(db, rowid)[0])
        return len(missing)

    def _add_filter(self, db: sqlite3.Connection, rowid: int, keys: np.ndarray, words: np.ndarray | None = None) -> None:
        if words is None:
            words = _native.membership_filter(np.ascontiguousarray(keys, dtype=np.int64))
        db.execute(f"INSERT OR REPLACE INTO {self.filters} (segment, bits) VALUES (?, ?)",
                   (rowid, words.astype("<u8", copy=False).tobytes()))

    def block_ids(self, rowid: int, fences_blob: bytes, first_block: int, wanted: np.ndarray) -> np.ndarray:
        """Ids of a segment's blocks that can hold a key of ``wanted`` (sorted unique); a
        run of equal keys may start in the block before its fence."""
        if len(fences_blob) % 8:
            raise sqlite3.DatabaseError(f"{self.name} {rowid} is malformed; run 'provenance doctor --repair'")
        if not len(wanted):
            return np.zeros(0, np.int64)
        fences = np.frombuffer(fences_blob, dtype="<i8")
        first = np.maximum(np.searchsorted(fences, wanted, side="left") - 1, 0)
        spans = np.searchsorted(fences, wanted, side="right") - first
        return unique_sorted(np.repeat(first, spans) + ranks(spans)) + first_block

    def read(self, db: sqlite3.Connection, rowid: int, blocks: np.ndarray,
             wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entries of ``blocks`` (of segment ``rowid``) whose key is in ``wanted``, in key
        order: keys, and units as offsets from the segment's first unit."""
        found_keys, found_offsets = [np.zeros(0, np.int64)], [np.zeros(0, np.uint32)]
        for start in range(0, len(blocks), _QUERY_BLOCKS):
            # One batch at a time bounds the memory when most blocks are wanted; an entry
            # is in one batch, found there whether or not its key's run crosses batches.
            ids = blocks[start : start + _QUERY_BLOCKS].tolist()
            rows = db.execute(f"SELECT {self.keys}, units FROM {self.blocks} "
                              f"WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id", ids).fetchall()
            joined_keys, joined_units = b"".join(row[0] for row in rows), b"".join(row[1] for row in rows)
            if len(joined_keys) % 8 or len(joined_units) != len(joined_keys) // 2 or len(rows) != len(ids):
                raise sqlite3.DatabaseError(f"{self.name} {rowid} is malformed; run 'provenance doctor --repair'")
            keys = np.frombuffer(joined_keys, dtype="<i8")
            if not len(keys):
                continue
            # The blocks read are in key order, so their keys are sorted: find each wanted run.
            near = wanted[np.searchsorted(wanted, keys[0]) : np.searchsorted(wanted, keys[-1], side="right")]
            lo = np.searchsorted(keys, near, side="left")
            counts = np.searchsorted(keys, near, side="right") - lo
            positions = np.repeat(lo, counts) + ranks(counts)
            found_keys.append(keys[positions].astype(np.int64))
            found_offsets.append(np.frombuffer(joined_units, dtype="<u4")[positions])
        return np.concatenate(found_keys), np.concatenate(found_offsets)

    def insert(self, db: sqlite3.Connection, keys: np.ndarray, units: np.ndarray, group: int | None = None,
               filter_words: np.ndarray | None = None) -> None:
        """Store entries sorted by key as one segment (two by unit range, recursively, when
        their units span more than ``max_span``); nothing for no entries. ``filter_words``:
        the keys' membership filter, if made already."""
        if not len(keys):
            return
        first_unit, stop_unit = int(units.min()), int(units.max()) + 1
        if stop_unit - first_unit > self.max_span:  # offsets would not fit
            middle = first_unit + (stop_unit - first_unit) // 2
            for part in (units < middle, units >= middle):
                self.insert(db, keys[part], units[part], group)
            return
        first_block = db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {self.blocks}").fetchone()[0]
        offsets = np.ascontiguousarray(units - first_unit, dtype="<u4")
        keys = np.ascontiguousarray(keys, dtype="<i8")
        block = self.block
        db.executemany(f"INSERT INTO {self.blocks} (id, {self.keys}, units) VALUES (?, ?, ?)",
                       ((first_block + at // block, keys[at : at + block].tobytes(), offsets[at : at + block].tobytes())
                        for at in range(0, len(keys), block)))
        grouped = ([self.group], [group]) if self.group else ([], [])
        columns = ", ".join([*grouped[0], "first_unit", "stop_unit", "size", "block", "first_block", "fences"])
        values = (*grouped[1], first_unit, stop_unit, len(keys), block, first_block, keys[::block].tobytes())
        rowid = db.execute(f"INSERT INTO {self.segments} ({columns}) VALUES ({', '.join('?' * len(values))})",
                           values).lastrowid
        if self.filters and rowid is not None:
            self._add_filter(db, rowid, keys, filter_words)

    def merge_tail(self, db: sqlite3.Connection, dead: Entries, group: int | None = None) -> None:
        """Merge the last segment (of ``group``) into the one before while that one is no
        larger, the two fit in one segment and the older's units all precede the newer's."""
        where, params = (f"WHERE {self.group} = ?", (group,)) if self.group else ("", ())
        while True:
            last_two = db.execute(f"SELECT id, size, first_unit, stop_unit FROM {self.segments} {where} "
                                  "ORDER BY id DESC LIMIT 2", params).fetchall()
            if len(last_two) < 2:
                return
            (newer, newer_size, newer_first, newer_stop), (older, older_size, older_first, older_stop) = last_two
            if (older_size > newer_size or older_size + newer_size > self.max_segment or older_stop > newer_first
                    or newer_stop - older_first > self.max_span):
                return
            merged = [self.read_all(db, older), self.read_all(db, newer)]
            keys, units = live(np.concatenate([m[0] for m in merged]), np.concatenate([m[1] for m in merged]), dead)
            # The older segment's units all precede the newer's: a stable sort on keys keeps
            # (key, unit) order, and timsort merges the two sorted runs in linear time.
            order = np.argsort(keys, kind="stable")
            self.delete(db, older)
            self.delete(db, newer)
            self.insert(db, keys[order], units[order], group)

    def _span(self, db: sqlite3.Connection, rowid: int) -> tuple[int, int, int]:
        """``(first_block, stop_block, first_unit)`` of a segment."""
        size, block, first_block, first_unit = db.execute(
            f"SELECT size, block, first_block, first_unit FROM {self.segments} WHERE id = ?", (rowid,)).fetchone()
        return first_block, first_block + -(-size // block), first_unit

    def read_all(self, db: sqlite3.Connection, rowid: int) -> Entries:
        """Every entry of a segment, in its order, units absolute."""
        first_block, stop_block, first_unit = self._span(db, rowid)
        rows = db.execute(f"SELECT {self.keys}, units FROM {self.blocks} WHERE id >= ? AND id < ? ORDER BY id",
                          (first_block, stop_block)).fetchall()
        keys = np.frombuffer(b"".join(row[0] for row in rows), dtype="<i8").astype(np.int64)
        units = np.frombuffer(b"".join(row[1] for row in rows), dtype="<u4").astype(np.int64) + first_unit
        if len(keys) != len(units):
            raise sqlite3.DatabaseError(f"{self.name} {rowid} is malformed; run 'provenance doctor --repair'")
        return keys, units

    def delete(self, db: sqlite3.Connection, rowid: int) -> None:
        first_block, stop_block, _ = self._span(db, rowid)
        db.execute(f"DELETE FROM {self.blocks} WHERE id >= ? AND id < ?", (first_block, stop_block))
        db.execute(f"DELETE FROM {self.segments} WHERE id = ?", (rowid,))
        if self.filters:
            db.execute(f"DELETE FROM {self.filters} WHERE segment = ?", (rowid,))

    def problems(self, db: sqlite3.Connection) -> list[str]:
        """Segments whose blocks do not hold exactly their entries (one line each): a lookup
        would fail on them; they are derived data, rebuilt from the runs after a reset."""
        found = []
        group = f"{self.group}" if self.group else "NULL"
        for rowid, value, size, block, first_block, fences in db.execute(
                f"SELECT id, {group}, size, block, first_block, length(fences) FROM {self.segments} ORDER BY id"):
            blocks = -(-size // block) if block > 0 else -1
            count, keys, units = db.execute(
                f"SELECT COUNT(*), TOTAL(length({self.keys})), TOTAL(length(units)) FROM {self.blocks} "
                "WHERE id >= ? AND id < ?", (first_block, first_block + max(blocks, 0))).fetchone()
            bad = blocks < 0 or fences != 8 * blocks or count != blocks or keys != 8 * size or units != 4 * size
            if self.filters:
                bits = db.execute(f"SELECT length(bits) FROM {self.filters} WHERE segment = ?", (rowid,)).fetchone()
                bad = bad or bits is None or bits[0] != 8 * _filter_words(size)
            if bad:
                where = f" ({self.group} {value})" if self.group else ""
                found.append(f"{self.name} {rowid}{where} is malformed")
        if self.filters:
            stray = db.execute(f"SELECT COUNT(*) FROM {self.filters} WHERE segment NOT IN "
                               f"(SELECT id FROM {self.segments})").fetchone()[0]
            if stray:
                found.append(f"{stray} {self.name} filter(s) belong to no {self.name}")
        return found


def _filter_words_read(blob: sqlite3.Blob, count: int, keys: np.ndarray) -> np.ndarray:
    """A filter of ``count`` words as ``keys`` see it: whole, or, for keys few enough
    (:data:`_SPARSE_FILTER`), only the words they test, the others left zero. SQLite
    reaches a blob's offset by walking its overflow pages, which is cheaper than copying
    them: ``trace`` of one article (~50 keys a band) read 200 MB of filters at 100k
    articles in 0.45 s, and reads its keys' words in ~0.13 s."""
    if len(keys) * _SPARSE_FILTER >= count:
        return np.frombuffer(blob.read(), dtype="<u8").astype(np.uint64, copy=False)
    words = np.zeros(count, dtype=np.uint64)
    wanted = unique_sorted(_native.filter_words(keys, count).astype(np.int64)).tolist()
    start = 0
    for end in range(1, len(wanted) + 1):  # words a page or less apart are read at once
        if end == len(wanted) or wanted[end] - wanted[end - 1] > _GAP_WORDS:
            first, last = wanted[start], wanted[end - 1]
            blob.seek(8 * first)
            data = blob.read(8 * (last - first + 1))
            if len(data) != 8 * (last - first + 1):
                raise sqlite3.DatabaseError("a segment filter is truncated; run 'provenance doctor --repair'")
            words[first : last + 1] = np.frombuffer(data, dtype="<u8")
            start = end
    return words


def _filter_words(entries: int) -> int:
    """Words of a segment's membership filter (the native ``filters::words_for``)."""
    return max(1, -(-entries * _native.FILTER_BITS_PER_KEY // 64))
