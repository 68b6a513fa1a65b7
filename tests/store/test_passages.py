"""Stored passages read by id: token streams kept between reads that share units."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np

from provenance import Index, ScanOptions, scan
from provenance.store.passages import Texts, TokenBlobs, read_token_blobs


def _units(index: Path, kind: str) -> list[int]:
    """Paragraph units (rows of ``units``) or segments (ids of an article's range without a row)."""
    with closing(sqlite3.connect(index)) as db:
        rows = [row[0] for row in db.execute("SELECT id FROM units ORDER BY id")]
        if kind == "paragraph":
            return rows
        every = [unit for first, stop in db.execute("SELECT first, stop FROM doc_units") for unit in range(first, stop)]
        return sorted(set(every) - set(rows))


def test_kept_blobs_are_those_the_table_holds_and_are_not_read_twice(seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    with Index.open(index) as opened:
        scan([seeds_dir], opened, ScanOptions())
        db = opened.connection
        units = _units(index, "paragraph")
        segment = _units(index, "segment")[0]  # a unit without a stream of its own
        first, second = np.asarray(units[:6] + [segment]), np.asarray(units[3:9])
        blobs = TokenBlobs(db, limit=1 << 20)
        assert blobs(first) == read_token_blobs(db, first) and segment not in blobs(first)
        assert blobs(second) == read_token_blobs(db, second)
        assert blobs.read == 7 + 3  # the second read found units 3-5 kept
        assert blobs(first) == read_token_blobs(db, first) and blobs.read == 10
        small = TokenBlobs(db, limit=1)  # keeps no more than the last read's
        assert small(first) == read_token_blobs(db, first)
        assert small(second) == read_token_blobs(db, second) and small.read == 7 + 3
        assert small(first) == read_token_blobs(db, first) and small.read == 10 + 4  # 0-2 and the segment went



def test_prefetched_texts_are_the_texts_read_one_by_one(seeds_dir, tmp_path):
    with Index.open(tmp_path / "index.sqlite") as opened:
        scan([seeds_dir], opened, ScanOptions())
        db = opened.connection
        docs = [row[0] for row in db.execute("SELECT id FROM documents ORDER BY id")]
        one_by_one = Texts(db)
        expected = {doc: one_by_one(doc) for doc in docs + [10**9]}
        assert expected[10**9] == "" and all(expected[doc] for doc in docs)
        prefetched = Texts(db)
        prefetched.prefetch(reversed(docs + [10**9]))
        calls: list[str] = []
        db.set_trace_callback(calls.append)
        try:
            assert {doc: prefetched(doc) for doc in docs + [10**9]} == expected
        finally:
            db.set_trace_callback(None)
        assert calls == []  # every text (and the missing one) came from the one read
