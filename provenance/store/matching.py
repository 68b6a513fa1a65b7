"""The candidate and verification stages for units not matched yet, one band at a time.

``scan`` writes batches (documents, units, one key run each) and then calls
:func:`match_pending` once: for each band, the pending units' keys are read from their
runs, the stored members of their buckets are looked up in the sorted band segments
(:mod:`provenance.store.bandindex`; units the segments do not cover yet are read from
their runs), and :func:`provenance.pipeline.lsh.candidate_pairs` applies the pairing
rule. Bands are independent partitions: with the Dask engine they are paired on the
cluster. The union of all bands' pairs is verified on exact shingle sets in chunks and
written with the ``matched_through`` mark, and the new units' keys are added to the
segments, in one transaction, so a killed scan leaves its units pending and the next
scan matches them; the pairs found are the same either way.

Memory is bounded by the pending units' keys of one band and the members found, plus
the pairs; a band pass reads the new units' keys and the segment blocks that can hold
them, not every stored key.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from functools import partial

import numpy as np

from provenance.config import Config
from provenance.errors import SchemaError
from provenance.pipeline.anchors import MalformedTokens
from provenance.pipeline.arrays import last_per_key, locality_order, unique_sorted
from provenance.pipeline.lsh import Members, candidate_pairs, unique_pairs, wanted_positions
from provenance.pipeline.verify import MatchColumns, verify_encoded_columns
from provenance.store import anchorindex, bandindex, keyruns, unitmatches
from provenance.store.anchorpass import AHEAD_UNITS, AnchorLookup, anchor_pairs
from provenance.store.index import Index
from provenance.store.passages import TokenBlobs, fill_temp
from provenance.store.schema import UNIT_PLACES_INDEX, index_hint

__all__ = ["anchor_pairs", "band_members", "match_pending"]

#: ``_paragraphs_of`` indexes a table by unit when the units span at most this many ids
#: per unit mapped (8 bytes each).
_DENSE_SPAN = 8
#: Paragraph pairs aligned per chunk (bounds the token streams loaded at once).
_VERIFY_CHUNK = 1 << 16
#: Bytes of token streams kept from one verification chunk for the next ones.
_VERIFY_KEPT = 64 << 20
#: Band pairs held before they are merged (see ``_union``).
_UNION_PAIRS = 1 << 22
#: Stored keys tested against a band's new keys per native pass (8 MB of keys).
_KEYS_PER_PASS = 1 << 20

_log = logging.getLogger(__name__)

Mapper = Callable[[Callable[[Members], np.ndarray], Iterator[Members]], Iterator[np.ndarray]]


def match_pending(index: Index, mapper: Mapper | None = None) -> int:
    """Find, align and store the matches of every pending unit; returns how many.

    ``mapper`` runs the per-band pairing (``map``-like, in order); ``None`` runs it here.
    When another scan of the same index stored its matches while these were computed,
    they are computed again from what it left: storing them would rewrite the units'
    match blobs without that scan's rows.
    """
    while (matched := _match_once(index, mapper)) is None:
        _log.debug("another scan matched the pending units meanwhile: matching again")
    return matched


class _Overtaken(Exception):
    """Another writer moved ``matched_through`` between the read snapshot and the write."""


def _match_once(index: Index, mapper: Mapper | None) -> int | None:
    """One pass of :func:`match_pending`; ``None`` when another writer overtook it."""
    db = index.connection
    config = index.config
    first_new = index.matched_through
    if anchorindex.indexed_through(db) > first_new:
        # Matches were dropped behind the anchor segments' back (a repair): start them afresh.
        with index.transaction(findings_current=None) as tx:
            anchorindex.reset(tx)
    if bandindex.indexed_through(db) > first_new:
        with index.transaction(findings_current=None) as tx:
            bandindex.reset(tx)
    with index.snapshot():  # concurrent writers cannot shift what we read
        first_new = index.matched_through
        runs = keyruns.runs(db)
        pending = bool(runs) and runs[-1].stop_unit > first_new
        if pending:
            stop = runs[-1].stop_unit
            dead = keyruns.dead_ranges(db)
            masks = {run.rowid: keyruns.live_mask(run, dead) for run in runs}
            num_bands = config.num_bands
            task = partial(candidate_pairs, config=config.lsh, first_new=first_new)
            segments = bandindex.Lookup(db, dead)
            # Readers closed before any table is dropped (open blobs lock them).
            # A check's anchor segments are read during the band pass (see anchorpass).
            ahead = index.throwaway and stop - first_new <= AHEAD_UNITS
            with keyruns.BandReader(db) as reader, keyruns.UnitColumns(db, runs) as columns, AnchorLookup(
                    db, dead, first_new, index.path if ahead else None) as anchors:
                members = (band_members(reader, runs, masks, band, first_new, columns, segments,
                                        keep=config.lsh.max_bucket + 1) for band in range(num_bands))
                band_pairs = _union((mapper or map)(task, members))  # type: ignore[operator]
                anchored, fresh = anchors.pairs(columns, config.align.max_anchor_units)
            pairs = unique_pairs([band_pairs, anchored])
            del band_pairs, anchored
            # A first scan's sorted anchors wait for the transaction outside memory.
            parked = anchorindex.Parked(fresh, index.path.parent)
            del fresh
            rows = _verify(db, config, pairs)
            del pairs
    if not pending:
        _index_anchors(index)
        _index_bands(index)
        return 0
    try:
        with parked, index.transaction() as tx:
            if index.matched_through != first_new:
                raise _Overtaken
            return _store_matches(index, tx, rows, parked, first_new, stop)
    except _Overtaken:
        return None


def _store_matches(index: Index, tx: sqlite3.Connection, rows: MatchColumns, parked: anchorindex.Parked,
                   first_new: int, stop: int) -> int:
    """Store verified matches of the units ``[first_new, stop)`` and their lookup
    structures, in the write transaction ``tx``; how many were still stored."""
    num_bands = index.config.num_bands
    rows = _still_stored(rows, keyruns.dead_ranges(tx))
    tx.executemany(
        """INSERT OR IGNORE INTO matches (a, b, a_start, a_end, b_start, b_end, similarity, shared, jaccard,
           containment, matched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows.rows())
    unitmatches.append(tx, _blob_rows(rows), first_new, keyruns.dead_ranges(tx))
    index.set_meta(tx, "matched_through", stop)
    keyruns.compact(tx, stop, num_bands)
    if anchorindex.indexed_through(tx) <= first_new:
        anchorindex.add_sorted_chunks(tx, parked.chunks(anchorindex.MAX_SEGMENT), through=stop)
    # Band segments built in a throwaway index would serve nothing (~2 minutes at 100k).
    if not index.throwaway and bandindex.indexed_through(tx) < stop:
        bandindex.index_units(tx, bandindex.indexed_through(tx), stop, num_bands)
    return len(rows)


def _union(parts: Iterable[np.ndarray]) -> np.ndarray:
    """The distinct pairs of the bands' pair arrays, merged as they come: a pair similar
    enough to matter collides in many bands, and a first scan of 100k articles held
    every band's copy (~0.5 GB) into the anchor pass."""
    held: list[np.ndarray] = []
    size, limit = 0, _UNION_PAIRS
    for part in parts:
        held.append(part)
        size += len(part)
        if size > limit and len(held) > 1:
            held = [unique_pairs(held)]
            # Twice what is kept, so a large union is not sorted again for every band.
            size, limit = len(held[0]), max(_UNION_PAIRS, 2 * len(held[0]))
    return unique_pairs(held)


def _index_bands(index: Index) -> None:
    """Copy the band keys of matched units the segments do not cover yet into them (an
    index from before version 8)."""
    through = index.matched_through
    if index.throwaway or bandindex.indexed_through(index.connection) >= through:
        return
    with index.transaction(findings_current=None) as tx:
        bandindex.index_units(tx, bandindex.indexed_through(tx), through, index.config.num_bands)


def _index_anchors(index: Index) -> None:
    """Copy the anchors of matched units the segments do not cover yet into them (an
    index from before version 7, or whose last scan was interrupted after matching)."""
    db = index.connection
    through = index.matched_through
    if anchorindex.indexed_through(db) >= through or not db.execute(
            "SELECT 1 FROM anchor_runs WHERE first_unit >= ? AND first_unit < ? LIMIT 1",
            (anchorindex.indexed_through(db), through)).fetchone():
        return
    with index.transaction(findings_current=None) as tx:
        values, units = anchorindex.unindexed(tx, keyruns.dead_ranges(tx))
        covered = units < through
        anchorindex.add_sorted(tx, *anchorindex.sort_entries(values[covered], units[covered]), through=through)


def band_members(
    reader: keyruns.BandReader, runs: list[keyruns.Run], masks: dict[int, np.ndarray], band: int, first_new: int,
    columns: keyruns.UnitColumns, segments: bandindex.Lookup | None = None, keep: int | None = None,
) -> Members:
    """Every live member of the band's buckets that hold a unit with id ``>= first_new``
    (buckets of one included: they pair nothing, and finding them would cost a sort); with
    ``keep``, the last ``keep`` stored ones of each, all :func:`candidate_pairs` reads (a
    1,000-article scan into a 100k index found 4M members where 0.2M pair anything).

    Stored members are looked up by key in ``segments`` (``None``: none); the stored units
    they do not cover (all of them when the new keys are so many that the segments would
    be read almost whole) are read from their runs and tested against the new keys in one
    native pass (:func:`~provenance.pipeline.lsh.wanted_positions`).
    """
    covered = min(segments.covered, first_new) if segments is not None else 0
    new_keys, new_units = [], []
    for run in runs:
        if run.stop_unit <= first_new:
            continue
        split = max(run.first_unit, first_new)
        keys = reader.read(run, band, range(split, run.stop_unit))
        live = masks[run.rowid][split - run.first_unit :]
        new_keys.append(keys[live])
        new_units.append(np.arange(split, run.stop_unit, dtype=np.int64)[live])
    old_keys, old_units = [], []
    # A first scan has no stored unit to look up: its ~4M keys a band are not sorted for
    # nothing (11 s of the 100k scan).
    stored_any = covered > 0 or any(run.first_unit < first_new for run in runs)
    wanted = unique_sorted(_cat(new_keys)) if stored_any else np.zeros(0, dtype=np.int64)
    if len(wanted):
        found = segments.members(band, wanted, covered, keep) if segments is not None else None
        if found is not None:
            old_keys.append(found[0])
            old_units.append(found[1])
        read_from = covered if found is not None else 0  # else: so many new keys that the runs are cheaper
        spans = [(run, range(max(run.first_unit, read_from), min(run.stop_unit, first_new))) for run in runs]
        stored = [(run, units) for run, units in spans if len(units)]  # an empty range would read the whole run
        for group in _grouped(stored):
            # One native pass over many runs' keys: a 100k index has hundreds of runs, and
            # each pass builds its table of the wanted keys first (14k passes took 2.6 s).
            keys = np.concatenate([reader.read(run, band, units) for run, units in group])
            live = np.concatenate([masks[run.rowid][units.start - run.first_unit : units.stop - run.first_unit]
                                   for run, units in group])
            at = wanted_positions(keys, live, wanted)
            bounds = np.cumsum([0, *(len(units) for _, units in group)])
            owner = np.searchsorted(bounds, at, side="right") - 1
            old_keys.append(keys[at])
            old_units.append(at - bounds[owner] + np.asarray([units.start for _, units in group], dtype=np.int64)[owner])
    old_key, old_unit = _cat(old_keys), _cat(old_units)
    if keep is not None and len(old_key) > keep:
        # Segment entries come in (key, unit) order, then the runs' units (all later) in
        # unit order: a stable sort by key puts them in (key, unit) order.
        order = np.argsort(old_key, kind="stable")
        old_key, old_unit = last_per_key(old_key[order], old_unit[order], keep)
    members = np.concatenate([old_unit, _cat(new_units)])
    return Members(np.concatenate([old_key, _cat(new_keys)]), members, *columns.lookup(members))


def _grouped(spans: list[tuple[keyruns.Run, range]]) -> Iterator[list[tuple[keyruns.Run, range]]]:
    """Consecutive ``spans`` in groups of about :data:`_KEYS_PER_PASS` units (memory
    stays bounded whatever the index's size)."""
    group: list[tuple[keyruns.Run, range]] = []
    size = 0
    for span in spans:
        group.append(span)
        size += len(span[1])
        if size >= _KEYS_PER_PASS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _verify(db: sqlite3.Connection, config: Config, pairs: np.ndarray) -> MatchColumns:
    """Align the paragraphs of every candidate unit pair (each paragraph pair once)."""
    parts: list[MatchColumns] = []
    paragraph_pairs = _paragraph_pairs(db, pairs)
    chunked = len(paragraph_pairs) > _VERIFY_CHUNK
    if chunked:
        # Each chunk reads and decodes its units' streams: chunks of pairs that share
        # units read far fewer (the 100k benchmark's verification: 69 -> 38 s).
        paragraph_pairs = paragraph_pairs[locality_order(paragraph_pairs)]
    blobs = TokenBlobs(db, _VERIFY_KEPT)
    for start in range(0, len(paragraph_pairs), _VERIFY_CHUNK):
        chunk = paragraph_pairs[start : start + _VERIFY_CHUNK]
        try:
            parts.append(verify_encoded_columns(chunk, blobs(unique_sorted(chunk)), config))
        except MalformedTokens as exc:
            raise SchemaError(f"{exc}; rebuild the index with a fresh --index") from exc
    rows = MatchColumns.join(parts)
    # Back in pair order (a stable sort keeps each pair's regions in theirs): the rows,
    # which of two regions on the same key is kept, and the blobs' rows are those of
    # one pass in order.
    return rows.take(np.lexsort(rows.columns[1::-1])) if chunked and len(rows) else rows


#: Each unit's paragraph unit: the nearest paragraph unit at or below it (a short walk back
#: by id; only paragraph units have rows, each right before its segments' ids, but for a
#: version 10 file migrated in a sandbox), if the unit lies in its article's range.
_PARAGRAPH_OF = """
SELECT w.id, p.id FROM temp.pair_units AS w
CROSS JOIN units AS p {places} ON p.id = (
    SELECT q.id FROM units AS q {places} WHERE q.id <= w.id AND q.kind = 'paragraph' ORDER BY q.id DESC LIMIT 1)
CROSS JOIN doc_units AS d ON d.doc_id = p.doc_id
WHERE w.id < d.stop"""


def _paragraph_pairs(db: sqlite3.Connection, pairs: np.ndarray) -> np.ndarray:
    """``(a, b)`` rows of the paragraph units holding each unit pair's units (``(n, 2)``),
    ``a < b``, of different articles, unique and sorted."""
    if not len(pairs):
        return np.zeros((0, 2), dtype=np.int64)
    units = unique_sorted(pairs)
    mapping = np.asarray(fill_temp(db, "pair_units", ["id"], [units.tolist()],
                                   _PARAGRAPH_OF.format(places=index_hint(db, UNIT_PLACES_INDEX))), dtype=np.int64)
    # Units missing from ``mapping`` (their article deleted meanwhile) drop their pairs.
    paragraphs = _paragraphs_of(pairs, units, mapping.reshape(-1, 2))
    paragraphs = paragraphs[paragraphs[:, 0] != paragraphs[:, 1]]
    return unique_pairs([np.sort(paragraphs, axis=1)])


def _paragraphs_of(pairs: np.ndarray, units: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """``pairs`` with each unit replaced by its paragraph unit (``mapping``: ``(unit,
    paragraph)`` rows over ``units``, sorted unique), dropping pairs with an unmapped unit.

    A first scan maps ~15 M pair ends over a third of its units: a table indexed by unit
    is one gather (a binary search each took 2.5 s at 100k); a few units spread over a
    large index (``check``) are searched for."""
    if not len(mapping):
        return np.zeros((0, 2), dtype=np.int64)
    low, high = int(units[0]), int(units[-1])
    if high - low < _DENSE_SPAN * len(units):
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[mapping[:, 0] - low] = mapping[:, 1]
        found = table[pairs - low]
        return found[np.all(found >= 0, axis=1)]
    mapping = mapping[np.argsort(mapping[:, 0])]
    at = np.minimum(np.searchsorted(mapping[:, 0], pairs), len(mapping) - 1)
    return mapping[at[np.all(mapping[at, 0] == pairs, axis=1)], 1]


def _blob_rows(rows: MatchColumns) -> np.ndarray:
    """The matches as :data:`~provenance.store.unitmatches.COLUMNS` rows."""
    if not len(rows):
        return np.zeros((0, len(unitmatches.COLUMNS)), dtype=np.int64)
    a, b, a_start, a_end, b_start, b_end, *_, matched = rows.columns
    return np.column_stack([a, a_start, a_end, b, b_start, b_end, matched]).astype(np.int64, copy=False)


def _still_stored(rows: MatchColumns, dead: tuple[np.ndarray, np.ndarray]) -> MatchColumns:
    """Drop matches of units deleted (by a concurrent scan) since they were read."""
    if not len(rows) or not len(dead[0]):
        return rows
    return rows.take(np.all(keyruns.alive(rows.pairs(), dead), axis=1))
