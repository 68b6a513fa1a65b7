"""Band keys as append-only runs: one row per written batch, not one row per key.

A unit has one LSH key per band (37 at the default configuration), so a 4 KB article
brings ~1,600 keys. Stored as one SQLite row each, they cost a B-tree insert apiece,
random all over the file (the former layout spent ~85 % of a scan there). Here a batch
appends **one run**: the units ``[first_unit, stop_unit)`` (ids are never reused), their
keys as one band-major ``int64`` blob (band ``b`` is the contiguous slice
``keys[b * n : (b + 1) * n]``, readable on its own with incremental blob I/O), and their
document ids and content keys. Writing is sequential; a lookup reads one band at a time
and joins it in numpy/polars, so memory is bounded by one band of the index, never the
whole key set.

Deleting a document leaves its keys in their run and records its unit range in
``dead_units``; readers drop dead entries, and :func:`compact` rewrites runs without
them. Runs are merged when they grow numerous, so their count stays small. No run's row
passes :data:`MAX_RUN_BYTES` (nor SQLite's length limit): a batch too large for one row
is stored as several runs, and merging stops short of it.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np

from provenance.pipeline.arrays import in_sorted, unique_sorted

__all__ = ["MAX_RUN_BYTES", "BandReader", "Run", "UnitColumns", "alive", "append_anchors", "append_run", "compact", "dead_ranges", "drop_empty_runs", "live_mask", "read_anchors", "read_band", "read_columns", "record_dead", "runs"]

#: More runs than this triggers a merge of the small ones (see :func:`compact`). A scan
#: writes a run per batch (~390 for a first scan of 100k articles in the default batches
#: of 256; 1,563 in batches of 64); merging them right after rewrote every band key (1.3
#: GB and ~10 s of the 100k scan), while a run more costs a lookup one blob handle: a
#: day's scan adds a few, so merges come seldom.
MAX_RUNS = 1024
#: After a merge, no group of small runs is larger than total / TARGET_RUNS.
TARGET_RUNS = 8
#: Nor is its row more bytes than this (or than the connection's length limit, 1e9 bytes
#: by default, past which SQLite refuses a row), which bounds a merge's memory (its keys,
#: and SQLite's copy as it writes them): with total / 8 alone, an index of a million
#: articles (~13 GB of band keys) would merge runs into rows of 1.6 GB.
MAX_RUN_BYTES = 1 << 26
#: Bytes of a run's row besides its 8 per unit and column (the record's header).
_ROW_HEADER = 64
#: :class:`UnitColumns` reads units one by one up to 1/this of the stored units.
BY_ID_SHARE = 256


@dataclass(frozen=True, slots=True)
class Run:
    rowid: int
    first_unit: int
    stop_unit: int

    @property
    def size(self) -> int:
        return self.stop_unit - self.first_unit


def _blob(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype="<i8").tobytes()


def _row_capacity(db: sqlite3.Connection, item_bytes: int) -> int:
    """Most items of ``item_bytes`` one row may hold (:data:`MAX_RUN_BYTES`, and the
    connection's length limit)."""
    return max(1, (min(MAX_RUN_BYTES, db.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)) - _ROW_HEADER) // item_bytes)


def append_run(db: sqlite3.Connection, first_unit: int, keys: np.ndarray, docs: np.ndarray, contents: np.ndarray) -> None:
    """Store the keys (``units x bands``) of units ``first_unit ...`` as one run (several,
    each within :func:`_row_capacity`, for a batch too large for one row); no units, no
    run (an empty run would claim ``first_unit``, which the next batch starts at)."""
    count, bands = keys.shape
    step = _row_capacity(db, 8 * (bands + 2))
    db.executemany(
        "INSERT INTO key_runs (first_unit, stop_unit, bands, keys, docs, contents) VALUES (?, ?, ?, ?, ?, ?)",
        ((first_unit + at, first_unit + min(count, at + step), bands, _blob(keys[at : at + step].T),
          _blob(docs[at : at + step]), _blob(contents[at : at + step])) for at in range(0, count, step)))


def append_anchors(db: sqlite3.Connection, first_unit: int, count: int, values: np.ndarray, units: np.ndarray) -> None:
    """Store a batch's anchors (units ``first_unit ... first_unit + count``, in unit order)
    as one run (several, cut between units, for a batch too large for one row); a batch
    without anchors stores nothing."""
    if len(values) == 0:
        return
    # Cut before the unit of every ``step``-th anchor: a part holds at most ``step``
    # anchors besides its first unit's, so it fits in a row while no unit holds ``step``.
    step = _row_capacity(db, 16) // 2
    cuts = unique_sorted(np.concatenate([[first_unit], units[step::step], [first_unit + count]]).astype(np.int64))
    at = np.searchsorted(units, cuts)
    db.executemany("INSERT INTO anchor_runs (first_unit, stop_unit, anchors, units) VALUES (?, ?, ?, ?)",
                   ((low, high, _blob(values[start:stop]), _blob(units[start:stop]))
                    for low, high, start, stop in zip(cuts[:-1].tolist(), cuts[1:].tolist(), at[:-1].tolist(),
                                                      at[1:].tolist(), strict=True) if stop > start))


def read_anchors(db: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray]:
    """``(values, units)`` of every stored anchor, dead units included, in unit order."""
    values, units = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for blob_values, blob_units in db.execute("SELECT anchors, units FROM anchor_runs ORDER BY first_unit"):
        if len(blob_values) != len(blob_units) or len(blob_values) % 8:
            raise sqlite3.DatabaseError("an anchor run is malformed")
        values.append(np.frombuffer(blob_values, dtype="<i8").astype(np.int64))
        units.append(np.frombuffer(blob_units, dtype="<i8").astype(np.int64))
    return np.concatenate(values), np.concatenate(units)


def runs(db: sqlite3.Connection) -> list[Run]:
    """All runs, in unit order."""
    return [Run(*row) for row in db.execute("SELECT id, first_unit, stop_unit FROM key_runs ORDER BY first_unit")]


def drop_empty_runs(db: sqlite3.Connection) -> int:
    """Delete runs of no units (earlier versions wrote one for a batch of articles
    too short to match, and every later batch then failed on ``first_unit``); returns
    how many. Nothing refers to a run, so deleting one loses nothing."""
    return db.execute("DELETE FROM key_runs WHERE stop_unit <= first_unit").rowcount


def read_band(db: sqlite3.Connection, run: Run, band: int, units: range | None = None) -> np.ndarray:
    """Band ``band``'s keys of the units of ``run`` (all, dead ones included, or the
    sub-range ``units``), in unit order; for many bands use one :class:`BandReader`."""
    with BandReader(db) as reader:
        return reader.read(run, band, units)


class _KeptBlobs:
    """Blob handles of ``key_runs`` kept open by row and column, closed together.

    SQLite reaches an offset of a blob by walking its chain of overflow pages from the
    start, once per fresh handle; a handle kept open remembers the pages it has walked.
    Use inside one read snapshot; close when done (open handles lock the table)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._blobs: dict[tuple[int, str], sqlite3.Blob] = {}

    def _read(self, rowid: int, column: str, offset: int, count: int) -> np.ndarray:
        """``count`` int64 values of the blob from byte ``offset``."""
        blob = self._blobs.get((rowid, column))
        if blob is None:
            blob = self._blobs[rowid, column] = self._db.blobopen("key_runs", column, rowid, readonly=True)
        blob.seek(offset)
        data = blob.read(8 * count)
        if len(data) != 8 * count:
            raise sqlite3.DatabaseError(f"key run {rowid} is truncated")
        return np.frombuffer(data, dtype="<i8")

    def close(self) -> None:
        for blob in self._blobs.values():
            blob.close()
        self._blobs.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BandReader(_KeptBlobs):
    """Bands of many runs, each read through one blob handle kept open per run.

    :func:`read_band` of band ``b`` through a fresh handle costs ``b`` band widths of page
    reads, and a pass over every band of a run costs ~``bands / 2`` times the run (seen:
    60 ms for the last band of a 10k index's run, 1.6 ms for the first); through one
    handle, the whole pass costs the run once.
    """

    def read(self, run: Run, band: int, units: range | None = None) -> np.ndarray:
        """Band ``band``'s keys of the units of ``run`` (all, dead ones included, or the
        sub-range ``units``), in unit order."""
        units = units or range(run.first_unit, run.stop_unit)
        return self._read(run.rowid, "keys", 8 * (band * run.size + units.start - run.first_unit),
                          len(units)).astype(np.int64)


def read_columns(db: sqlite3.Connection, run: Run) -> tuple[np.ndarray, np.ndarray]:
    """``(docs, contents)`` of every unit of ``run``."""
    docs, contents = db.execute("SELECT docs, contents FROM key_runs WHERE id = ?", (run.rowid,)).fetchone()
    return np.frombuffer(docs, dtype="<i8").astype(np.int64), np.frombuffer(contents, dtype="<i8").astype(np.int64)


class UnitColumns(_KeptBlobs):
    """Document id and content key of any stored unit, from the runs' columns.

    The few units a small scan, ``check`` or ``trace`` meets are read by offset through
    one blob handle per run and column, kept open (segments have no row in ``units``):
    the columns follow a run's band keys in its row, so a fresh handle walks ~200
    overflow pages to reach them, and a ``check`` at 100k looks units up 39 times over
    ~100 runs each (0.35 s with a handle a look-up, ~0.1 s kept). Past a
    :data:`BY_ID_SHARE`-th of the stored units (a big scan), every run's columns are read
    once instead (16 bytes per stored unit). Use inside one read snapshot; close when
    done (open handles lock the table).
    """

    def __init__(self, db: sqlite3.Connection, runs: list[Run]) -> None:
        super().__init__(db)
        self._runs = runs
        self._firsts = np.array([run.first_unit for run in runs], dtype=np.int64)
        self._stops = np.array([run.stop_unit for run in runs], dtype=np.int64)
        self._first = runs[0].first_unit
        self._few = (runs[-1].stop_unit - self._first) // BY_ID_SHARE
        self._docs: np.ndarray | None = None
        self._contents: np.ndarray | None = None
        self._known = np.zeros((3, 0), dtype=np.int64)  # ids (sorted), docs, contents read so far

    def lookup(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._docs is None and self._look_up(units):
            at = np.searchsorted(self._known[0], units)
            return self._known[1][at], self._known[2][at]
        if self._docs is None or self._contents is None:
            size = self._runs[-1].stop_unit - self._first
            self._docs = np.zeros(size, dtype=np.int64)
            self._contents = np.zeros(size, dtype=np.int64)
            for run in self._runs:
                docs, contents = read_columns(self._db, run)
                self._docs[run.first_unit - self._first : run.stop_unit - self._first] = docs
                self._contents[run.first_unit - self._first : run.stop_unit - self._first] = contents
        return self._docs[units - self._first], self._contents[units - self._first]

    def _look_up(self, units: np.ndarray) -> bool:
        """Add ``units`` to the ones known; ``False`` when they are too many (or one lies
        in no run): read the runs whole instead."""
        wanted = unique_sorted(units)
        missing = wanted[~in_sorted(wanted, self._known[0])]
        if len(missing) + self._known.shape[1] > self._few:
            return False
        if not len(missing):
            return True
        at = np.searchsorted(self._firsts, missing, side="right") - 1
        if np.any(at < 0) or np.any(missing >= self._stops[np.maximum(at, 0)]):
            return False
        found = np.zeros((2, len(missing)), dtype=np.int64)
        indexes, starts = np.unique(at, return_index=True)  # ``missing`` ascends: each run's units are a slice
        for index, start, stop in zip(indexes.tolist(), starts.tolist(), [*starts[1:].tolist(), len(at)], strict=True):
            run = self._runs[index]
            offsets = missing[start:stop] - run.first_unit
            first, last = int(offsets[0]), int(offsets[-1]) + 1
            for row, column in enumerate(("docs", "contents")):
                # One read per run and column, from the first unit wanted to the last.
                found[row, start:stop] = self._read(run.rowid, column, 8 * first, last - first)[offsets - first]
        known = np.concatenate([self._known, np.vstack([missing, found])], axis=1)
        self._known = known[:, np.argsort(known[0])]
        return True


def record_dead(db: sqlite3.Connection, doc_ids: Iterable[int]) -> None:
    """Note the unit ranges of documents about to be deleted (call before the DELETE)."""
    db.executemany(
        "INSERT OR REPLACE INTO dead_units (first, stop) "
        "SELECT first, stop FROM doc_units WHERE doc_id = ?",
        [(int(doc),) for doc in doc_ids],
    )


def dead_ranges(db: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray]:
    rows = db.execute("SELECT first, stop FROM dead_units ORDER BY first").fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    array = np.asarray(rows, dtype=np.int64)
    return array[:, 0], array[:, 1]


def alive(units: np.ndarray, dead: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Whether each of ``units`` lies outside the dead ranges ``dead`` (sorted firsts, stops)."""
    firsts, stops = dead
    if not len(firsts):
        return np.ones(units.shape, dtype=bool)
    at = np.searchsorted(firsts, units, side="right") - 1
    return (at < 0) | (units >= stops[np.maximum(at, 0)])  # type: ignore[no-any-return]


def live_mask(run: Run, dead: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Which units of ``run`` are still stored."""
    mask = np.ones(run.size, dtype=bool)
    firsts, stops = dead
    lo = np.searchsorted(stops, run.first_unit, side="right")
    hi = np.searchsorted(firsts, run.stop_unit, side="left")
    for first, stop in zip(firsts[lo:hi].tolist(), stops[lo:hi].tolist(), strict=True):
        mask[max(first, run.first_unit) - run.first_unit : min(stop, run.stop_unit) - run.first_unit] = False
    return mask


def compact(db: sqlite3.Connection, matched_through: int, bands: int) -> int:
    """Merge small runs (all already matched) once there are more than :data:`MAX_RUNS`;
    returns the number of runs rewritten. Dead units inside merged runs stay as entries
    (ids are positional), so merging never changes what a lookup returns."""
    every = runs(db)
    stored = [run for run in every if run.stop_unit <= matched_through]
    if len(every) <= MAX_RUNS or len(stored) < 2:
        return 0
    # A unit takes 8 bytes of each band's keys, of ``docs`` and of ``contents``.
    target = max(1, min(sum(run.size for run in stored) // TARGET_RUNS, _row_capacity(db, 8 * (bands + 2))))
    groups: list[list[Run]] = [[]]
    for run in stored:
        if run.size >= target:
            groups.extend([[run], []])
            continue
        if groups[-1] and sum(r.size for r in groups[-1]) + run.size > target:
            groups.append([])
        groups[-1].append(run)
    rewritten = 0
    for group in groups:
        if len(group) > 1:
            _merge(db, group, bands)
            rewritten += len(group)
    return rewritten


def _merge(db: sqlite3.Connection, group: Sequence[Run], bands: int) -> None:
    """Replace the contiguous runs ``group`` by one, its keys gathered band by band into
    one array that is written as they are (the whole group took four copies of them:
    stacked, concatenated, transposed, as bytes). Writing them a band at a time through a
    blob handle instead held only a band, but wrote each page twice (zeros first): the
    merge of a first scan of 100k articles in batches of 64 took 15.4 s against 8.9 s."""
    for before, after in itertools.pairwise(group):
        if before.stop_unit != after.first_unit:
            raise sqlite3.DatabaseError("key runs are not contiguous; rebuild the index")
    count = sum(run.size for run in group)
    keys = np.empty((bands, count), dtype="<i8")
    with BandReader(db) as reader:
        for band in range(bands):
            at = 0
            for run in group:
                keys[band, at : at + run.size] = reader.read(run, band)
                at += run.size
    columns = [read_columns(db, run) for run in group]
    docs = np.concatenate([c[0] for c in columns])
    contents = np.concatenate([c[1] for c in columns])
    db.executemany("DELETE FROM key_runs WHERE id = ?", [(run.rowid,) for run in group])
    db.execute("INSERT INTO key_runs (first_unit, stop_unit, bands, keys, docs, contents) VALUES (?, ?, ?, ?, ?, ?)",
               (group[0].first_unit, group[-1].stop_unit, bands, keys.data.cast("B"), _blob(docs), _blob(contents)))
