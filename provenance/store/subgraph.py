"""The part of the span graph a refresh needs: whole connected components, read from
the stored matches outward from a few units.

The span graph (:mod:`provenance.pipeline.spangraph`) joins a span to the spans it
matched and to the spans of its own paragraph it overlaps by half. A component is found
by walking that relation span by span: a unit's matches are read when the walk first
reaches one of its spans (``matches`` by its primary key for ``a``, ``matches_b`` for
``b``; boilerplate paragraphs' matches left out, as in the full graph), and only the
spans joined to the walk are followed, not every span of the unit. So the rows read are
those of the units the components touch, whatever the size of the index.

:meth:`Subgraph.matches` returns the matches of the components reached since its last
call, in the order the full read gives them (``a, b, a_start, b_start``).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from provenance.pipeline.spangraph import SpanMatch

__all__ = ["Subgraph"]

#: A span: ``(unit, start, end)``.
Span = tuple[int, int, int]
_OVERLAP_TO_JOIN = 0.5

#: Each match is read once: from its ``a`` side unless ``b`` was read in an earlier
#: batch, from its ``b`` side unless ``a`` was read in this batch or before. The rows
#: alone, without joins: each unit's article and boilerplate flag is looked up once
#: (:data:`_UNITS`), not twice per match row (a stock line's component has a few
#: hundred thousand rows over far fewer units).
_SIDES = (
    """SELECT m.a, m.a_start, m.a_end, m.b, m.b_start, m.b_end, m.matched
       FROM temp.subgraph_units AS w CROSS JOIN matches AS m ON m.a = w.id""",
    """SELECT m.a, m.a_start, m.a_end, m.b, m.b_start, m.b_end, m.matched
       FROM temp.subgraph_units AS w CROSS JOIN matches AS m ON m.b = w.id""",
)
_UNREAD = (" WHERE NOT EXISTS (SELECT 1 FROM temp.subgraph_done AS d WHERE d.id = m.b)",
           (" WHERE NOT EXISTS (SELECT 1 FROM temp.subgraph_done AS d WHERE d.id = m.a)"
            " AND NOT EXISTS (SELECT 1 FROM temp.subgraph_units AS t WHERE t.id = m.a)"))
#: Article and boilerplate flag of the units in ``temp.subgraph_unit_info``.
_UNITS = """SELECT u.id, u.doc_id, p.boilerplate FROM temp.subgraph_unit_info AS w CROSS JOIN units AS u ON u.id = w.id
            JOIN paragraphs AS p ON p.doc_id = u.doc_id AND p.idx = u.paragraph"""


def _overlaps(a: Span, b: Span) -> bool:
    shared = min(a[2], b[2]) - max(a[1], b[1])
    return shared > 0 and shared >= _OVERLAP_TO_JOIN * min(a[2] - a[1], b[2] - b[1])


class Subgraph:
    """Components of the span graph grown on demand (:meth:`grow`); ``rows_read`` counts
    the match rows read, ``units_read`` the units whose matches were read."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        #: Rows read and not returned by :meth:`matches` yet (``_SIDES`` columns).
        self._rows: dict[tuple[int, int, int, int], tuple[int, ...]] = {}
        #: Per live unit met, its article.
        self._docs: dict[int, int] = {}
        self._spans: dict[int, set[Span]] = defaultdict(set)
        self._partners: dict[Span, set[Span]] = defaultdict(set)
        #: Units met whose matches are left out, as in the full graph (boilerplate
        #: paragraphs, or units gone).
        self._dead: set[int] = set()
        self.visited: set[Span] = set()
        self.rows_read = 0
        self.units_read: set[int] = set()
        # The units read so far, for the queries (each match is read once, see _UNREAD).
        db.execute("DROP TABLE IF EXISTS temp.subgraph_done")
        db.execute("CREATE TEMP TABLE subgraph_done (id INTEGER PRIMARY KEY)")

    def grow(self, units: Iterable[int]) -> bool:
        """Add the components of every span on ``units``; whether any span was new."""
        wanted = set(units)
        self._load(wanted)
        frontier = {span for unit in wanted for span in self._spans.get(unit, ())} - self.visited
        added = bool(frontier)
        self.visited |= frontier
        while frontier:
            self._load({span[0] for span in frontier})
            reached: set[Span] = set()
            for span in frontier:
                reached.update(other for other in self._spans[span[0]] if other != span and _overlaps(span, other))
                reached.update(self._partners.get(span, ()))
            frontier = reached - self.visited
            self.visited |= frontier
        return added

    def spans_on(self, unit: int) -> set[Span]:
        """The spans of a loaded unit (empty for a unit without live matches)."""
        self._load({unit})
        return self._spans.get(unit, set())

    def partner_units(self, units: Iterable[int]) -> set[int]:
        """Units holding a span matched to a span of one of the (loaded) ``units``."""
        wanted = set(units)
        self._load(wanted)  # one read for all of them, not one per unit
        return {other[0] for unit in wanted for span in self._spans[unit] for other in self._partners.get(span, ())}

    def matches(self) -> list[SpanMatch]:
        """The matches of the components reached since the last call (each component is
        whole when reached, so a later call returns whole new components only), in
        ``(a, b, a_start, b_start)`` order."""
        rows, visited, docs = self._rows, self.visited, self._docs
        keys = sorted(key for key, row in rows.items() if (key[0], key[2], row[2]) in visited)
        matches = []
        for key in keys:
            a, a_start, a_end, b, b_start, b_end, matched = rows.pop(key)
            matches.append(SpanMatch(a, docs[a], a_start, a_end, b, docs[b], b_start, b_end, matched))
        return matches

    def _load(self, units: set[int]) -> None:
        todo = sorted(units - self.units_read)
        if not todo:
            return
        self.units_read.update(todo)
        db = self._db
        db.execute("DROP TABLE IF EXISTS temp.subgraph_units")
        db.execute("CREATE TEMP TABLE subgraph_units (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO temp.subgraph_units VALUES (?)", [(unit,) for unit in todo])
        stored, spans, partners = self._rows, self._spans, self._partners
        for side, unread in zip(_SIDES, _UNREAD, strict=True):
            rows = db.execute(side + unread).fetchall()
            self._look_up_units(rows)
            dead = self._dead
            self.rows_read += len(rows)
            for row in rows:  # a few hundred thousand rows for a widely reprinted passage: kept lean
                a, a_start, a_end, b, b_start, b_end, _ = row
                if dead and (a in dead or b in dead):
                    continue
                stored[(a, b, a_start, b_start)] = row  # read once (see _UNREAD)
                left, right = (a, a_start, a_end), (b, b_start, b_end)
                spans[a].add(left)
                spans[b].add(right)
                partners[left].add(right)
                partners[right].add(left)
        db.execute("INSERT INTO temp.subgraph_done SELECT id FROM temp.subgraph_units")

    def _look_up_units(self, rows: list[tuple[int, ...]]) -> None:
        """File every unit of ``rows`` not met before under its article or as dead."""
        docs, dead = self._docs, self._dead
        unknown = ({row[0] for row in rows} | {row[3] for row in rows}) - docs.keys() - dead
        if not unknown:
            return
        db = self._db
        db.execute("DROP TABLE IF EXISTS temp.subgraph_unit_info")
        db.execute("CREATE TEMP TABLE subgraph_unit_info (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO temp.subgraph_unit_info VALUES (?)", [(unit,) for unit in sorted(unknown)])
        for unit, doc, boilerplate in db.execute(_UNITS):
            if not boilerplate:
                docs[unit] = doc
        dead.update(unit for unit in unknown if unit not in docs)  # boilerplate, or no row any more
