"""The candidate and verification stages for units not matched yet, one band at a time.

``scan`` writes batches (documents, units, one key run each) and then calls
:func:`match_pending` once: for each band, the band's keys are read from every run (one
blob slice per run), the buckets holding a pending unit are kept with all their live
members (a polars semi-join, so stored units are never Python objects), and
:func:`provenance.pipeline.lsh.candidate_pairs` applies the pairing rule. Bands are
independent partitions: with the Dask engine they are paired on the cluster. The union
of all bands' pairs is verified on exact shingle sets in chunks and written with the
``matched_through`` mark in one transaction, so a killed scan leaves its units pending
and the next scan matches them; the pairs found are the same either way.

Memory is bounded by one band of the index (8 bytes per unit) plus the pairs, not by
the number of keys (``units x bands``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np
import polars as pl

from provenance.config import Config
from provenance.pipeline.lsh import MEMBER_SCHEMA, candidate_pairs, lsh_params
from provenance.pipeline.verify import ShingleTable, verify_pairs
from provenance.store import keyruns
from provenance.store.findings import fill_temp
from provenance.store.index import Index

__all__ = ["band_members", "match_pending", "pending_units"]

#: Candidate pairs verified per chunk (bounds the shingle sets loaded at once).
_VERIFY_CHUNK = 1 << 19

Mapper = Callable[[Callable[[pl.DataFrame], pl.DataFrame], Iterator[pl.DataFrame]], Iterator[pl.DataFrame]]


def pending_units(index: Index) -> int:
    """How many stored units still wait for their candidates."""
    first_new = index.matched_through
    return sum(max(0, run.stop_unit - max(run.first_unit, first_new)) for run in keyruns.runs(index.connection))


def match_pending(index: Index, mapper: Mapper | None = None) -> int:
    """Find, verify and store the matches of every pending unit; returns how many.

    ``mapper`` runs the per-band pairing (``map``-like, in order); ``None`` runs it here.
    """
    db = index.connection
    config = index.config
    first_new = index.matched_through
    db.execute("BEGIN")  # one read snapshot: concurrent writers cannot shift what we read
    try:
        runs = keyruns.runs(db)
        if not runs or runs[-1].stop_unit <= first_new:
            return 0
        stop = runs[-1].stop_unit
        dead = keyruns.dead_ranges(db)
        masks = {run.rowid: keyruns.live_mask(run, dead) for run in runs}
        columns = _Columns(db, runs)
        num_bands = _num_bands(config)
        frames = (band_members(db, runs, masks, band, first_new, columns) for band in range(num_bands))
        task = partial(candidate_pairs, config=config.lsh, first_new=first_new)
        pair_frames = list((mapper or map)(task, frames))  # type: ignore[operator]
        pairs = pl.concat(pair_frames).unique().sort(["b", "a"]) if pair_frames else pl.DataFrame()
        rows = _verify(db, config, pairs)
    finally:
        db.execute("COMMIT")
    with index.transaction() as tx:
        rows = _still_stored(rows, keyruns.dead_ranges(tx))
        tx.executemany("INSERT OR IGNORE INTO matches (a, b, similarity, shared) VALUES (?, ?, ?, ?)", rows)
        index.set_meta(tx, "matched_through", max(stop, index.matched_through))
        keyruns.compact(tx, max(stop, index.matched_through), num_bands)
    return len(rows)


def _num_bands(config: Config) -> int:
    return lsh_params(config.lsh.threshold, config.minhash.num_perm, config.lsh.false_positive_weight,
                      config.lsh.false_negative_weight)[0]


class _Columns:
    """Document id and content key of any stored unit, read from the runs on first use."""

    def __init__(self, db: sqlite3.Connection, runs: list[keyruns.Run]) -> None:
        self._db, self._runs = db, runs
        self._first = runs[0].first_unit
        self._docs: np.ndarray | None = None
        self._contents: np.ndarray | None = None

    def lookup(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._docs is None or self._contents is None:
            size = self._runs[-1].stop_unit - self._first
            self._docs = np.zeros(size, dtype=np.int64)
            self._contents = np.zeros(size, dtype=np.int64)
            for run in self._runs:
                docs, contents = keyruns.read_columns(self._db, run)
                self._docs[run.first_unit - self._first : run.stop_unit - self._first] = docs
                self._contents[run.first_unit - self._first : run.stop_unit - self._first] = contents
        return self._docs[units - self._first], self._contents[units - self._first]


def band_members(
    db: sqlite3.Connection, runs: list[keyruns.Run], masks: dict[int, np.ndarray], band: int, first_new: int,
    columns: _Columns,
) -> pl.DataFrame:
    """Every live member (columns :data:`MEMBER_SCHEMA`) of the band's buckets that hold a
    unit with id ``>= first_new`` and at least one other unit."""
    old_keys, old_units, new_keys, new_units = [], [], [], []
    for run in runs:
        keys = keyruns.read_band(db, run, band)
        units = np.arange(run.first_unit, run.stop_unit, dtype=np.int64)
        mask = masks[run.rowid]
        if run.first_unit >= first_new:
            new_keys.append(keys[mask])
            new_units.append(units[mask])
        elif run.stop_unit <= first_new:
            old_keys.append(keys[mask])
            old_units.append(units[mask])
        else:
            split = mask & (units >= first_new)
            new_keys.append(keys[split])
            new_units.append(units[split])
            old_keys.append(keys[mask & ~split])
            old_units.append(units[mask & ~split])
    new = pl.DataFrame({"key": _cat(new_keys), "unit": _cat(new_units)})
    old = pl.DataFrame({"key": _cat(old_keys), "unit": _cat(old_units)})
    if len(old):
        new = pl.concat([old.join(new.select("key").unique(), on="key", how="semi"), new])
    members = new.filter(pl.col("key").is_duplicated())
    docs, contents = columns.lookup(members["unit"].to_numpy())
    return members.with_columns(
        pl.lit(band, dtype=pl.Int64).alias("band"), pl.Series("doc", docs), pl.Series("content", contents)
    ).select(list(MEMBER_SCHEMA))


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _verify(db: sqlite3.Connection, config: Config, pairs: pl.DataFrame) -> list[tuple[int, int, float, int]]:
    rows: list[tuple[int, int, float, int]] = []
    for start in range(0, len(pairs), _VERIFY_CHUNK):
        chunk = pairs.slice(start, _VERIFY_CHUNK)
        a, b = chunk["a"].to_numpy(), chunk["b"].to_numpy()
        table = _shingles(db, np.unique(np.concatenate([a, b])))
        rows.extend(verify_pairs(a, b, table, config.verify).rows())
    return rows


def _shingles(db: sqlite3.Connection, unit_ids: np.ndarray) -> ShingleTable:
    """Shingle sets of the given units (only those, via a temporary id table)."""
    rows = fill_temp(db, "wanted_units", ["id"], [unit_ids.tolist()],
                     "SELECT u.id, u.shingles FROM temp.wanted_units AS w JOIN units AS u ON u.id = w.id ORDER BY u.id")
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    blobs = [row[1] for row in rows]
    lengths = np.fromiter((len(blob) for blob in blobs), dtype=np.int64, count=len(blobs))
    if np.any(lengths % 4):
        raise sqlite3.DatabaseError("index holds a malformed shingle set")
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum(lengths // 4, out=offsets[1:])
    values = np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32)
    return ShingleTable(ids, offsets, values)


def _still_stored(rows: list[tuple[int, int, float, int]], dead: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, int, float, int]]:
    """Drop matches of units deleted (by a concurrent scan) since they were read."""
    firsts, stops = dead
    if not rows or not len(firsts):
        return rows
    pairs = np.asarray([row[:2] for row in rows], dtype=np.int64)
    at = np.searchsorted(firsts, pairs, side="right") - 1
    alive = np.all((at < 0) | (pairs >= stops[np.maximum(at, 0)]), axis=1)
    return [row for row, keep in zip(rows, np.asarray(alive, dtype=bool).tolist(), strict=True) if keep]
