"""Stored passages read by id: their token streams (in bulk, or on demand with their
``str`` spans), article texts on demand, and the temp-table lookup every bulk read by
id goes through (one indexed join instead of a query per id)."""

from __future__ import annotations

import sqlite3
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from provenance.errors import SchemaError
from provenance.pipeline.anchors import MalformedTokens, TokenStream, decode_many

__all__ = ["Texts", "TokenBlobs", "Units", "fill_temp", "read_streams", "read_token_blobs"]


def fill_temp(db: sqlite3.Connection, table: str, columns: list[str], values: list[list[int]], query: str) -> list[tuple]:
    """Load ``values`` into ``temp.<table>`` (primary key ``columns``) and run ``query``."""
    db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE {table} ({', '.join(columns)}, PRIMARY KEY ({', '.join(columns)})) WITHOUT ROWID")
    db.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES ({', '.join('?' * len(columns))})", zip(*values))
    return db.execute(query).fetchall()


def read_token_blobs(db: sqlite3.Connection, unit_ids: np.ndarray) -> dict[int, bytes]:
    """Stored token streams (encoded) of the given paragraph units (those that have one)."""
    return dict(fill_temp(db, "wanted_units", ["id"], [np.asarray(unit_ids).tolist()],
                          """SELECT u.id, u.tokens FROM temp.wanted_units AS w JOIN units AS u ON u.id = w.id
                             WHERE u.tokens IS NOT NULL"""))


class TokenBlobs:
    """:func:`read_token_blobs` for a run of reads that share units, keeping the most
    recently used blobs up to ``limit`` bytes: the chunks of a verification in locality
    order read 1.4 M streams of 730k distinct units at 100k articles (``read`` counts the
    units read from the table)."""

    def __init__(self, db: sqlite3.Connection, limit: int) -> None:
        self._db, self._limit = db, limit
        self._kept: OrderedDict[int, bytes | None] = OrderedDict()  # None: the unit has no stream
        self._size = 0
        self.read = 0

    def __call__(self, unit_ids: np.ndarray) -> dict[int, bytes]:
        kept = self._kept
        wanted = np.asarray(unit_ids).tolist()
        missing = [unit for unit in wanted if unit not in kept]
        found = read_token_blobs(self._db, np.asarray(missing, dtype=np.int64)) if missing else {}
        self.read += len(missing)
        for unit in missing:
            blob = kept[unit] = found.get(unit)
            self._size += len(blob) if blob is not None else 0
        blobs: dict[int, bytes] = {}
        for unit in wanted:
            kept.move_to_end(unit)
            if (blob := kept[unit]) is not None:
                blobs[unit] = blob
        while self._size > self._limit and len(kept) > len(wanted):  # never this read's own
            _, blob = kept.popitem(last=False)
            self._size -= len(blob) if blob is not None else 0
        return blobs


def read_streams(db: sqlite3.Connection, unit_ids: np.ndarray) -> dict[int, TokenStream]:
    """Token streams of the given paragraph units (those that have one)."""
    found = read_token_blobs(db, unit_ids)
    return _decoded(list(found), list(found.values()))


def _decoded(units: list[int], blobs: list[bytes]) -> dict[int, TokenStream]:
    """The streams of ``blobs`` (of ``units``), decoded natively at once, each a view of
    the columns (a refresh at 100k articles decodes ~600k: 2 s one by one)."""
    try:
        columns = decode_many(blobs)
    except MalformedTokens as exc:
        raise SchemaError(f"unit {units[exc.index]}: malformed token stream; rebuild the index with a fresh --index") from exc
    words, shingles = columns.word_bounds.tolist(), columns.shingle_bounds.tolist()
    return {unit: TokenStream(columns.starts[words[i] : words[i + 1]], columns.ends[words[i] : words[i + 1]],
                              columns.shingles[shingles[i] : shingles[i + 1]], columns.words[words[i] : words[i + 1]])
            for i, unit in enumerate(units)}


class Units(Mapping[int, TokenStream]):
    """Token streams and ``str`` spans of paragraph units, read in bulk where known
    beforehand and one at a time otherwise."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._streams: dict[int, TokenStream] = {}
        self.spans: dict[int, tuple[int, int]] = _Spans(self)

    def prefetch(self, units: set[int]) -> None:
        wanted = sorted(set(units) - self._streams.keys())
        rows = fill_temp(self._db, "span_units", ["id"], [wanted],
                         "SELECT u.id, u.start, u.end, u.tokens FROM temp.span_units AS w JOIN units AS u ON u.id = w.id")
        for unit, start, end, _ in rows:
            dict.__setitem__(self.spans, unit, (start, end))
        with_streams = [(unit, blob) for unit, _, _, blob in rows if blob is not None]
        self._streams.update(_decoded([unit for unit, _ in with_streams], [blob for _, blob in with_streams]))

    def retain(self, units: set[int]) -> None:
        """Forget the streams and spans of units not in ``units`` (the next prefetch's);
        those kept are copied out of their prefetch's columns, which can then go."""
        self._streams = {unit: stream.copy() for unit, stream in self._streams.items() if unit in units}
        kept = {unit: span for unit, span in self.spans.items() if unit in units}
        self.spans.clear()
        self.spans.update(kept)

    def __getitem__(self, unit: int) -> TokenStream:
        if unit not in self._streams:
            self.prefetch({unit})
        return self._streams[unit]

    def __iter__(self) -> Iterator[int]:
        return iter(self._streams)

    def __len__(self) -> int:
        return len(self._streams)


class _Spans(dict[int, tuple[int, int]]):
    def __init__(self, units: Units) -> None:
        super().__init__()
        self._units = units

    def __missing__(self, unit: int) -> tuple[int, int]:
        self._units.prefetch({unit})
        return dict.__getitem__(self, unit)


class Texts:
    """Article texts on demand, each decompressed once; :meth:`prefetch` reads many in
    one pass (a refresh's findings read thousands, and a query each cost ~0.1 ms)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._cache: dict[int, str] = {}

    def __call__(self, doc: int) -> str:
        if doc not in self._cache:
            row = self._db.execute("SELECT text FROM documents WHERE id = ?", (doc,)).fetchone()
            self._cache[doc] = _text(row[0]) if row else ""
        return self._cache[doc]

    def prefetch(self, docs: Iterable[int]) -> None:
        """Read the texts of ``docs`` not read yet, in id order, in one query."""
        missing = sorted(set(docs) - self._cache.keys())
        if missing:
            found = dict(fill_temp(self._db, "wanted_texts", ["id"], [missing],
                                   "SELECT d.id, d.text FROM temp.wanted_texts AS w JOIN documents AS d ON d.id = w.id"))
            self._cache.update((doc, _text(found[doc]) if doc in found else "") for doc in missing)


def _text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8", "surrogatepass")
