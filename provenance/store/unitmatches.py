"""Each unit's matches as one blob: what :mod:`provenance.store.subgraph` reads when a
walk reaches the unit.

The ``matches`` table answers "the matches of these units" a row at a time, and a
Python tuple per row is most of the cost: a stock line's component at 100k articles is
~430k rows over ~2,800 units, 4-5 s to read, while the same rows as blobs take tens of
milliseconds. So every match is also stored, as a row of :data:`COLUMNS` (``int64``,
little-endian), in the blob of each of its two units (``unit_matches``), written in the
transaction that stores the matches (:func:`append`).

The blobs hold exactly the stored matches: matches are only ever added with a pending
unit on their ``b`` side (unit ids are never reused, so none was stored before), and
leave only when a unit is deleted, whose blob goes by cascade. A partner's blob keeps
the rows of a deleted unit until it is next rewritten (:func:`append` drops them then);
readers leave out rows of units that are gone, as they leave out boilerplate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import numpy as np

from provenance.pipeline.arrays import unique_sorted
from provenance.store import keyruns
from provenance.store.passages import fill_temp

__all__ = ["COLUMNS", "append", "build", "every_match", "problems", "read"]

#: A blob row: the match's two spans and its matched words.
COLUMNS = ("a", "a_start", "a_end", "b", "b_start", "b_end", "matched")
_WIDTH = len(COLUMNS)
_DTYPE = np.dtype("<i8")
_ROW_BYTES = _DTYPE.itemsize * _WIDTH
#: Units whose blobs are made at a time: bounds the memory of a first scan's (815k
#: matches at 100k articles) and of a migration's.
_UNITS_AT_ONCE = 1 << 18
_MALFORMED = "a unit's match blob is malformed; run 'provenance doctor --repair'"
#: Blobs read together by :func:`read` (a stock line's units hold ~150 matches each).
_READ_UNITS = 512
#: Blobs fetched together when every blob is read (:func:`every_match`).
_SCAN_UNITS = 4096


def append(db: sqlite3.Connection, rows: np.ndarray, first_new: int, dead: tuple[np.ndarray, np.ndarray]) -> None:
    """Add match ``rows`` (``(n, 7)`` :data:`COLUMNS`) to their units' blobs, a range of
    units at a time; units below ``first_new`` may have one already (it is extended, its
    rows of ``dead`` units dropped)."""
    sides = _sides(rows)
    for chunk in unique_sorted(sides // _UNITS_AT_ONCE).tolist():
        low = chunk * _UNITS_AT_ONCE
        owners, grouped, bounds = _by_unit(rows, sides, low, low + _UNITS_AT_ONCE)
        old = owners[owners < first_new].tolist()
        stored = dict(fill_temp(db, "unit_matches_wanted", ["id"], [old],
                                """SELECT m.unit, m.rows FROM temp.unit_matches_wanted AS w
                                   CROSS JOIN unit_matches AS m ON m.unit = w.id""")) if old else {}
        db.executemany("INSERT OR REPLACE INTO unit_matches (unit, rows) VALUES (?, ?)",
                       _blobs(owners, grouped, bounds, stored, dead, first_new))


def read(db: sqlite3.Connection, table: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The blob rows of the units listed in ``temp.<table>`` (an ``id`` column), a few
    hundred units at a time: ``(rows, owners)``, each row with the unit it was read under
    (a match is read twice when both its units are listed)."""
    cursor = db.execute(f"""SELECT m.unit, m.rows FROM temp.{table} AS w
                            CROSS JOIN unit_matches AS m ON m.unit = w.id""")
    while found := cursor.fetchmany(_READ_UNITS):
        yield _decoded(found)


def every_match(db: sqlite3.Connection) -> np.ndarray:
    """Every stored match once, as ``(m, 7)`` :data:`COLUMNS` rows in ``(a, b, a_start,
    b_start)`` order (the ``matches`` key's): each read from its ``a`` unit's blob, rows of
    deleted units left out. A full refresh reads the 815k matches of 100k articles this
    way in 0.4 s, against 4-5 s a row at a time."""
    dead = keyruns.dead_ranges(db)
    parts = [np.zeros((0, _WIDTH), dtype=np.int64)]
    cursor = db.execute("SELECT unit, rows FROM unit_matches")
    while found := cursor.fetchmany(_SCAN_UNITS):
        rows, owners = _decoded(found)
        parts.append(rows[rows[:, 0] == owners])
    rows = np.concatenate(parts)
    rows = rows[keyruns.alive(rows[:, 0], dead) & keyruns.alive(rows[:, 3], dead)]
    return rows[np.lexsort((rows[:, 4], rows[:, 1], rows[:, 3], rows[:, 0]))]


def _decoded(found: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, owners)`` of ``(unit, blob)`` rows: each blob row with its blob's unit."""
    sizes = np.fromiter((len(blob) for _, blob in found), dtype=np.int64, count=len(found))
    if np.any(sizes % _ROW_BYTES):
        raise sqlite3.DatabaseError(_MALFORMED)
    sizes //= _ROW_BYTES
    rows = np.frombuffer(b"".join(blob for _, blob in found), dtype=_DTYPE).reshape(-1, _WIDTH)
    units = np.fromiter((unit for unit, _ in found), dtype=np.int64, count=len(found))
    return rows.astype(np.int64, copy=False), np.repeat(units, sizes)


def problems(db: sqlite3.Connection) -> list[str]:
    """What differs between the blobs and the stored matches (rows of deleted units, left
    until a blob is rewritten, are no difference), one line each."""
    dead = keyruns.dead_ranges(db)
    malformed = misfiled = live = 0
    for unit, blob in db.execute("SELECT unit, rows FROM unit_matches"):
        if len(blob) % _ROW_BYTES:
            malformed += 1
            continue
        rows = np.frombuffer(blob, dtype=_DTYPE).reshape(-1, _WIDTH)
        misfiled += int(np.count_nonzero((rows[:, 0] != unit) & (rows[:, 3] != unit)))
        live += int(np.count_nonzero(keyruns.alive(rows[:, 0], dead) & keyruns.alive(rows[:, 3], dead)))
    stored = 2 * db.execute("SELECT COUNT(*) FROM matches").fetchone()[0]
    found = [f"{malformed} malformed unit match blobs"] if malformed else []
    found += [f"{misfiled} unit match blob rows filed under a unit they do not hold"] if misfiled else []
    if not found and live != stored:
        found.append(f"unit match blobs hold {live} rows where the matches make {stored}")
    return found


def build(db: sqlite3.Connection) -> None:
    """Fill ``unit_matches`` from the stored matches (a migration), a range of units at a
    time."""
    db.execute("DELETE FROM unit_matches")
    bounds = db.execute("SELECT MIN(id), MAX(id) FROM units").fetchone()
    if bounds[0] is None:
        return
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    for low in range(int(bounds[0]), int(bounds[1]) + 1, _UNITS_AT_ONCE):
        high = low + _UNITS_AT_ONCE
        # Every match with a unit in range, once (``_by_unit`` files it under each).
        found = db.execute(f"""SELECT {', '.join(COLUMNS)} FROM matches WHERE a >= ?1 AND a < ?2
                               UNION ALL SELECT {', '.join(COLUMNS)} FROM matches
                               WHERE b >= ?1 AND b < ?2 AND NOT (a >= ?1 AND a < ?2)""", (low, high)).fetchall()
        rows = np.array(found, dtype=np.int64).reshape(-1, _WIDTH)
        owners, grouped, starts = _by_unit(rows, _sides(rows), low, high)
        db.executemany("INSERT INTO unit_matches (unit, rows) VALUES (?, ?)", _blobs(owners, grouped, starts, {}, none, 0))


def _sides(rows: np.ndarray) -> np.ndarray:
    """Each row's ``a`` units, then its ``b`` units."""
    return np.concatenate([rows[:, 0], rows[:, 3]])


def _by_unit(rows: np.ndarray, sides: np.ndarray, low: int, high: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row under each of its units (``sides``) in ``[low, high)``: the units
    (sorted), the rows grouped by unit, and where each unit's group starts (and the last
    ends)."""
    taken = np.flatnonzero((sides >= low) & (sides < high))
    order = taken[np.argsort(sides[taken], kind="stable")]
    owner = sides[order]
    starts = np.flatnonzero(np.diff(owner, prepend=np.int64(-1))) if len(owner) else np.zeros(0, dtype=np.int64)
    return owner[starts], rows[order % max(len(rows), 1)], np.append(starts, len(owner))


def _blobs(owners: np.ndarray, grouped: np.ndarray, bounds: np.ndarray, stored: dict[int, bytes],
           dead: tuple[np.ndarray, np.ndarray], first_new: int) -> Iterator[tuple[int, bytes]]:
    """Each unit's blob: its stored rows (those of dead units, and any with a ``b`` from
    ``first_new`` on, which the new rows hold again, left out) then its new rows."""
    data = grouped.astype(_DTYPE, copy=False)
    for i, unit in enumerate(owners.tolist()):
        new = data[bounds[i] : bounds[i + 1]]
        before = stored.get(unit)
        if before is None:
            yield unit, new.tobytes()
            continue
        if len(before) % _ROW_BYTES:
            raise sqlite3.DatabaseError(_MALFORMED)
        kept = np.frombuffer(before, dtype=_DTYPE).reshape(-1, _WIDTH)
        kept = kept[keyruns.alive(kept[:, 0], dead) & keyruns.alive(kept[:, 3], dead) & (kept[:, 3] < first_new)]
        yield unit, kept.tobytes() + new.tobytes()

