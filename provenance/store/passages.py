"""Stored passages read by id: their token streams, and the temp-table lookup every
bulk read by id goes through (one indexed join instead of a query per id)."""

from __future__ import annotations

import sqlite3

import numpy as np

from provenance.errors import SchemaError
from provenance.pipeline.anchors import TokenStream, decode_tokens

__all__ = ["fill_temp", "read_streams", "read_token_blobs"]


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


def read_streams(db: sqlite3.Connection, unit_ids: np.ndarray) -> dict[int, TokenStream]:
    """Token streams of the given paragraph units (those that have one)."""
    streams: dict[int, TokenStream] = {}
    for unit, blob in read_token_blobs(db, unit_ids).items():
        try:
            streams[unit] = decode_tokens(blob)
        except ValueError as exc:
            raise SchemaError(f"unit {unit}: {exc}; rebuild the index with a fresh --index") from exc
    return streams
