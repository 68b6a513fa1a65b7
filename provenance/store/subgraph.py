"""The part of the span graph a refresh needs: whole connected components, read from
the stored matches outward from a few units.

The span graph (:mod:`provenance.pipeline.spangraph`) joins a span to the spans it
matched and to the spans of its own paragraph it overlaps by half. A component is found
by walking that relation span by span: a unit's matches are read when the walk first
reaches one of its spans (its blob of :mod:`provenance.store.unitmatches`; boilerplate
paragraphs' matches left out, as in the full graph), and only the
spans joined to the walk are followed, not every span of the unit. So the rows read are
those of the units the components touch, whatever the size of the index.

:meth:`Subgraph.matches` returns the matches of the components reached since its last
call, in the order the full read gives them (``a, b, a_start, b_start``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import numpy as np

from provenance import _native
from provenance.pipeline.arrays import in_sorted, unique_sorted
from provenance.pipeline.spangraph import label_components
from provenance.store import unitmatches
from provenance.store.clusters import (
    ClusterKey,
    Known,
    Span,
    cluster_members,
    keys_of_spans,
    owners_of_units,
    stored_units,
)
from provenance.store.schema import UNIT_PLACES_INDEX, index_hint

__all__ = ["Subgraph"]

#: Article and boilerplate flag of the units in ``temp.subgraph_unit_info``.
_UNITS = """SELECT u.id, u.doc_id, p.boilerplate FROM temp.subgraph_unit_info AS w CROSS JOIN units AS u {places} ON u.id = w.id
            JOIN paragraphs AS p ON p.doc_id = u.doc_id AND p.idx = u.paragraph"""


class Subgraph:
    """Components of the span graph grown on demand (:meth:`grow`); ``rows_read`` counts
    the match rows read, ``units_read`` the units whose matches were read.

    Rows are kept as arrays (a stock line's component is a few hundred thousand rows
    over a few thousand spans): a walk step labels the components of the rows read and
    not yet returned natively, and reads the units of the seeds' components it has not
    read, until there are none; spans (few) are Python tuples."""

    def __init__(self, db: sqlite3.Connection, lost: set[ClusterKey] | None = None) -> None:
        self._db = db
        #: Partial (``lost`` given: a refresh storing no cluster state, as a ``check``'s):
        #: a stored cluster not in ``lost`` is read as its spans, chained, and only the
        #: units asked for are read whole; :meth:`matches` then returns every row so far.
        self._lost = lost
        self.known = Known()
        self._returned: list[np.ndarray] = []
        #: The two units ``(a, b)`` of every row read, whether returned by :meth:`matches`
        #: or not (what :meth:`partner_units` reads; the rows themselves are not kept twice).
        self._read: list[np.ndarray] = []
        #: Rows read and not returned yet; those of the components reached since the last
        #: :meth:`matches`, waiting to be returned.
        self._pending = np.zeros((0, 7), dtype=np.int64)
        self._ready: list[np.ndarray] = []
        #: Per live unit met, its article.
        self._docs: dict[int, int] = {}
        #: Units met whose matches are left out, as in the full graph (boilerplate
        #: paragraphs, or units gone).
        self._dead: set[int] = set()
        self.visited: set[Span] = set()
        #: Spans whose stored cluster was looked up, and the stored clusters met.
        self._looked_up: set[Span] = self.known.looked_up
        self._keys: set[tuple[int, int, int]] = set()
        self.rows_read = 0
        self.units_read: set[int] = set()

    def grow(self, units: Iterable[int]) -> bool:
        """Add the components of every span on ``units``; whether any span was new."""
        wanted = set(units)
        self._load(wanted)
        seeds = _spans_on(self._pending, wanted)  # partial: rows read now may join spans met
        return self._reach_from(seeds if self._lost is not None else seeds - self.visited)

    @property
    def partial(self) -> bool:
        """Whether stored clusters that lost nothing are read as their spans."""
        return self._lost is not None

    def cover(self, units: Iterable[int]) -> bool:
        """Partial: add the components of every span on ``units``, stored or matched,
        reading only stored clusters' spans; whether any span was new."""
        wanted = set(units)
        owners = owners_of_units(self._db, wanted)
        self._looked_up.update(owners)
        self._read_stored(owners, set(owners.values()), set())
        seeds = (_spans_on(self._pending, wanted) | owners.keys()) - self.visited
        return self._reach_from(seeds)

    def _reach_from(self, seeds: set[Span]) -> bool:
        if not seeds:
            return False
        work = self._pending
        while True:
            spans, left, inside, labels = _reach(work, seeds)
            reached = [spans[i] for i in np.flatnonzero(inside).tolist()]
            if self._lost is None:
                unread = {span[0] for span in reached} - self.units_read
                if not unread:
                    break
                more = self._load(unread | self._stored_units(reached))
            else:
                more = self._extend(reached)
                if not len(more):
                    break
            # Rows within the components reached matter only for what they join: a chain
            # through each one's spans stands in for them (a stock line's component is
            # ~430k rows over a few thousand spans, and the walk takes a step per level).
            work = np.concatenate([_chained(spans, inside, labels), work[~inside[left]], more])
        rows = self._pending
        if work is not rows:
            spans, left, inside, _ = _reach(rows, seeds)
        self.visited |= {spans[i] for i in np.flatnonzero(inside).tolist()}
        ready = inside[left]
        self._ready.append(rows[ready])
        self._pending = rows[~ready]
        return True

    def _extend(self, spans: list[Span]) -> np.ndarray:
        """Partial: rows for the stored clusters of ``spans`` not met yet, a chain of the
        spans of those that lost nothing and the matches of the others' units (and of
        any unit a span of no stored cluster lies on)."""
        fresh = [span for span in spans if span not in self._looked_up]
        self._looked_up.update(fresh)
        owners = owners_of_units(self._db, {span[0] for span in fresh}) if fresh else {}
        return self._read_stored(owners, {owners[span] for span in fresh if span in owners},
                                 {span[0] for span in fresh if span not in owners})

    def _read_stored(self, owners: dict[Span, ClusterKey], keys: set[ClusterKey], units: set[int]) -> np.ndarray:
        """Partial: the rows added for the stored clusters ``keys`` not met yet (chains of
        those that lost nothing, the matches of the others' units) and the matches of
        ``units``; ``owners`` are the stored spans just looked up."""
        self.known.owners.update(owners)
        keys -= self._keys
        lost = keys & (self._lost or set())
        self._keys |= lost
        chain = self._chain(keys - lost)
        self._pending = np.concatenate([self._pending, chain])
        return np.concatenate([chain, self._load(stored_units(self._db, lost) | units)])

    def _chain(self, keys: set[ClusterKey]) -> np.ndarray:
        """Rows joining each stored cluster's spans one after the other, scored -1 (see
        :class:`~provenance.pipeline.spangraph.SpanGraph`); the keys are chained."""
        self._keys |= keys
        parts = [np.zeros((0, 7), dtype=np.int64)]
        for key, spans in cluster_members(self._db, keys).items():
            self.known.chained[key] = len(spans)
            self.known.owners.update(dict.fromkeys(spans, key))
            self._looked_up.update(spans)
            nodes = np.asarray(spans, dtype=np.int64).reshape(-1, 3)
            parts.append(np.column_stack([nodes[:-1], nodes[1:], np.full(len(nodes) - 1, -1, dtype=np.int64)]))
        rows = np.concatenate(parts)
        self._look_up_units(rows)
        if self._dead:
            dead = np.fromiter(sorted(self._dead), dtype=np.int64, count=len(self._dead))
            rows = rows[~(in_sorted(rows[:, 0], dead) | in_sorted(rows[:, 3], dead))]
        return rows

    def _stored_units(self, spans: list[Span]) -> set[int]:
        """Units not read yet of the stored clusters holding any of ``spans``: read with
        the next step, they let the walk reach a stock line's component in a few steps
        instead of one per level (a component holds its stored clusters whole, unless an
        edge was lost since: then the units read beyond it are only read early)."""
        fresh = [span for span in spans if span not in self._looked_up]
        self._looked_up.update(fresh)
        keys = set(keys_of_spans(self._db, fresh).values()) - self._keys
        self._keys |= keys
        return stored_units(self._db, keys) - self.units_read

    def partner_units(self, units: Iterable[int]) -> set[int]:
        """Units holding a span matched to a span of one of the (loaded) ``units``."""
        wanted = set(units)
        self._load(wanted)  # one read for all of them, not one per unit
        pairs = np.concatenate([np.zeros((0, 2), dtype=np.int64), *self._read])
        keys = np.asarray(sorted(wanted), dtype=np.int64)
        return set(pairs[in_sorted(pairs[:, 0], keys), 1].tolist()) | set(pairs[in_sorted(pairs[:, 1], keys), 0].tolist())

    def matches(self) -> np.ndarray:
        """The matches of the components reached since the last call (each component is
        whole when reached, so a later call returns whole new components only), in
        ``(a, b, a_start, b_start)`` order, as ``(m, 9)`` rows in
        :class:`~provenance.pipeline.spangraph.SpanMatch`'s field order."""
        if self._lost is not None:
            self._returned += self._ready
            self._ready = list(self._returned)
        found = np.concatenate([np.zeros((0, 7), dtype=np.int64), *self._ready])
        self._ready = []
        found = found[np.lexsort((found[:, 4], found[:, 1], found[:, 3], found[:, 0]))]
        units = np.fromiter(self._docs.keys(), dtype=np.int64, count=len(self._docs))
        docs = np.fromiter(self._docs.values(), dtype=np.int64, count=len(self._docs))
        order = np.argsort(units)
        units, docs = units[order], docs[order]
        last = max(len(units) - 1, 0)
        a_at, b_at = (np.minimum(np.searchsorted(units, found[:, side]), last) for side in (0, 3))
        if len(found) and not (np.array_equal(units[a_at], found[:, 0]) and np.array_equal(units[b_at], found[:, 3])):
            raise AssertionError("a match row's unit was never looked up")  # _load files every unit it reads
        return np.column_stack([found[:, :1], docs[a_at], found[:, 1:4], docs[b_at], found[:, 4:]])

    def _load(self, units: set[int]) -> np.ndarray:
        """Read the matches of ``units`` not read yet; the rows added (dead ones left out)."""
        todo = sorted(units - self.units_read)
        if not todo:
            return np.zeros((0, len(unitmatches.COLUMNS)), dtype=np.int64)
        done = np.fromiter(sorted(self.units_read), dtype=np.int64, count=len(self.units_read))
        self.units_read.update(todo)
        db = self._db
        db.execute("DROP TABLE IF EXISTS temp.subgraph_units")
        db.execute("CREATE TEMP TABLE subgraph_units (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO temp.subgraph_units VALUES (?)", [(unit,) for unit in todo])
        # Each match once: under its ``a`` unit unless ``b`` was read before, under its
        # ``b`` unit unless ``a`` was read before or now.
        wanted = np.asarray(todo, dtype=np.int64)
        parts = [np.zeros((0, len(unitmatches.COLUMNS)), dtype=np.int64)]
        for found, owners in unitmatches.read(db, "subgraph_units"):
            on_a = found[:, 0] == owners
            other = np.where(on_a, found[:, 3], found[:, 0])
            parts.append(found[~in_sorted(other, done) & (on_a | ~in_sorted(other, wanted))])
        rows = np.concatenate(parts).astype(np.int64, copy=False)
        self.rows_read += len(rows)
        self._look_up_units(rows)
        if self._dead:
            dead = np.fromiter(sorted(self._dead), dtype=np.int64, count=len(self._dead))
            rows = rows[~(in_sorted(rows[:, 0], dead) | in_sorted(rows[:, 3], dead))]
        self._read.append(rows[:, [0, 3]])
        self._pending = np.concatenate([self._pending, rows])
        return rows

    def _look_up_units(self, rows: np.ndarray) -> None:
        """File every unit of ``rows`` not met before under its article or as dead."""
        docs, dead = self._docs, self._dead
        unknown = set(unique_sorted(rows[:, [0, 3]]).tolist()) - docs.keys() - dead
        if not unknown:
            return
        db = self._db
        db.execute("DROP TABLE IF EXISTS temp.subgraph_unit_info")
        db.execute("CREATE TEMP TABLE subgraph_unit_info (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO temp.subgraph_unit_info VALUES (?)", [(unit,) for unit in sorted(unknown)])
        for unit, doc, boilerplate in db.execute(_UNITS.format(places=index_hint(db, UNIT_PLACES_INDEX))):
            if not boilerplate:
                docs[unit] = doc
        dead.update(unit for unit in unknown if unit not in docs)  # boilerplate, or no row any more


def _spans_on(rows: np.ndarray, units: set[int]) -> set[Span]:
    """The spans ``(unit, start, end)`` of ``rows`` on ``units``."""
    keys = np.asarray(sorted(units), dtype=np.int64)
    a, b = rows[in_sorted(rows[:, 0], keys)][:, 0:3], rows[in_sorted(rows[:, 3], keys)][:, 3:6]
    return set(map(tuple, np.concatenate([a, b]).tolist()))  # type: ignore[arg-type]


def _reach(rows: np.ndarray, seeds: set[Span]) -> tuple[list[Span], np.ndarray, np.ndarray, np.ndarray]:
    """The span graph of ``rows`` (matches, and spans of a paragraph overlapping by half,
    as in :class:`~provenance.pipeline.spangraph.SpanGraph`): its spans in id order, each
    row's ``a`` span id, which spans lie in the components holding ``seeds``, and each
    span's component label."""
    blank = np.zeros((len(rows), 1), dtype=np.int64)  # articles play no part in reaching
    nodes, _, left, pairs, _, joined, _ = _native.span_graph(
        np.hstack([rows[:, :1], blank, rows[:, 1:4], blank, rows[:, 4:]]))
    edges = np.concatenate([pairs, joined])  # each pair once: a wire line's spans match many times over
    ids, labels = label_components(edges[:, 0], edges[:, 1])
    spans: list[Span] = [(unit, start, end) for unit, _, start, end in nodes.tolist()]
    label_of = np.empty(len(spans), dtype=np.int64)
    label_of[ids] = labels
    wanted = unique_sorted(label_of[[i for i, span in enumerate(spans) if span in seeds]])
    return spans, left, in_sorted(label_of, wanted), label_of


def _chained(spans: list[Span], inside: np.ndarray, label_of: np.ndarray) -> np.ndarray:
    """Rows joining the spans of each component marked ``inside`` one after the other (in
    :data:`~provenance.store.unitmatches.COLUMNS`, matched words 0): the components their
    match rows make, with one row per span instead of one per match."""
    ids = np.flatnonzero(inside)
    ids = ids[np.argsort(label_of[ids], kind="stable")]
    same = label_of[ids[1:]] == label_of[ids[:-1]]
    nodes = np.asarray(spans, dtype=np.int64).reshape(-1, 3)
    low, high = nodes[ids[:-1][same]], nodes[ids[1:][same]]
    return np.column_stack([low, high, np.zeros(len(low), dtype=np.int64)])
