"""The open index: blobs round-trip, transactions are all or nothing, ids never come back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance import Index, ScanOptions, scan
from provenance.errors import IndexError_, SchemaError
from provenance.store.index import decode_shingles, encode_shingles


@given(st.lists(st.integers(0, 2**32 - 1), max_size=200))
def test_shingle_sets_round_trip_through_their_blob(values):
    shingles = np.array(values, dtype=np.uint32)
    decoded = decode_shingles(encode_shingles(shingles))
    assert decoded.dtype == np.uint32 and decoded.tolist() == values


def test_a_malformed_shingle_blob_is_a_schema_error():
    with pytest.raises(SchemaError, match="malformed shingle set"):
        decode_shingles(b"\x00\x01\x02")


def test_a_transaction_is_rolled_back_on_any_exception(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as index:
        for failure in (ValueError("boom"), KeyboardInterrupt()):
            with pytest.raises(type(failure)), index.transaction() as db:
                index.set_meta(db, "half_written", 1)
                raise failure
            assert index.meta("half_written") is None


def test_a_write_marks_findings_stale_until_a_refresh_marks_them_current(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as index:
        with index.transaction(findings_current=True):
            pass
        assert index.findings_current
        with index.transaction(findings_current=None):  # paths only: findings unaffected
            pass
        assert index.findings_current
        with index.transaction():
            pass
        assert not index.findings_current


def test_unit_ids_are_never_reused_after_documents_are_removed(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        _, next_unit = index.next_ids()
        index.remove_documents([doc.id for doc in index.stored_documents().values()])
        assert index.stored_documents() == {}
        assert index.next_ids() == (1, next_unit)


def test_document_text_is_the_stored_text_and_a_missing_document_is_named(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        for source, doc in index.stored_documents().items():
            assert index.document_text(doc.id) == Path(source).read_bytes().decode("utf-8")
        with pytest.raises(IndexError_, match="document 999 is not in the index"):
            index.document_text(999)


def test_set_root_moves_paths_and_root_together(tmp_path, seeds_dir):
    with Index.open(tmp_path / "index.sqlite") as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
        stored = index.stored_documents()
        index.set_root("/elsewhere", [(f"moved/{doc.path}", doc.id) for doc in stored.values()])
        assert index.root == "/elsewhere"
        assert sorted(doc.path for doc in index.stored_documents().values()) == sorted(f"moved/{d.path}" for d in stored.values())


def test_an_unreadable_mark_is_a_schema_error_naming_the_key(tmp_path):
    with Index.open(tmp_path / "index.sqlite") as index:
        with index.transaction(findings_current=None) as db:
            index.set_meta(db, "matched_through", "many")
        with pytest.raises(SchemaError, match="matched_through mark is unreadable"):
            _ = index.matched_through
