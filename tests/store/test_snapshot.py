"""``check``'s copy of an index: complete, and nothing written beside the original."""

from __future__ import annotations

import sqlite3

import pytest

from provenance import Index, ScanOptions, scan
from provenance.errors import IndexError_, SchemaError
from provenance.store.snapshot import copy_index


def _count(path) -> int:
    with Index.open(path, readonly=True) as index:
        return len(index.stored_documents())


def test_a_quiet_index_is_copied_as_a_file(tmp_path, seeds_dir):
    original = tmp_path / "index.sqlite"
    with Index.open(original) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
    before = sorted(p.name for p in tmp_path.iterdir())
    copy_index(original, tmp_path / "copy.sqlite")
    assert (tmp_path / "copy.sqlite").read_bytes() == original.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "copy.sqlite"])


def test_an_index_with_a_pending_wal_is_copied_through_it(tmp_path, seeds_dir):
    original = tmp_path / "index.sqlite"
    with Index.open(original) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
    writer = sqlite3.connect(original)  # a writer holding committed pages in its -wal
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("DELETE FROM documents WHERE id = (SELECT MIN(id) FROM documents)")
    writer.commit()
    try:
        assert (tmp_path / "index.sqlite-wal").stat().st_size > 0
        copy_index(original, tmp_path / "copy.sqlite")
        assert _count(tmp_path / "copy.sqlite") == 4
    finally:
        writer.close()


def test_a_missing_or_foreign_file_is_named(tmp_path):
    with pytest.raises(IndexError_, match="missing.sqlite: cannot read the index"):
        copy_index(tmp_path / "missing.sqlite", tmp_path / "copy.sqlite")
    foreign = tmp_path / "foreign.sqlite"
    foreign.write_bytes(b"not a database" * 100)
    (tmp_path / "foreign.sqlite-wal").write_bytes(b"junk")
    with pytest.raises(SchemaError, match="foreign.sqlite: not a passage-provenance index"):
        copy_index(foreign, tmp_path / "copy2.sqlite")
