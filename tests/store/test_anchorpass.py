"""The anchor pass: it proposes exactly the pairs of the full pass (the cap by unit id
included), whether the stored holders are read by the caller or, for an index no other
writer can change, on a helper thread over a connection of its own; that helper reads
only segments its connection lists as the caller's does, and any failure of it leaves
the reading to the caller."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from provenance import Index
from provenance.store import anchorindex, anchorpass, keyruns
from provenance.store.anchorpass import AnchorLookup, _pairs_of_groups
from tests.store.test_anchorindex import _batch, _brute, small_segments_index


@pytest.fixture
def index(tmp_path, monkeypatch):
    yield from small_segments_index(tmp_path, monkeypatch)


def _reference_pairs(index: Index, first_new: int, max_units: int) -> set[tuple[int, int]]:
    """The anchor pass as it was: every anchor's first ``max_units`` live holders by unit id."""
    values, units = _brute(index)
    docs = {int(u): int(u) // 2 for u in units}
    pairs = set()
    for value in np.unique(values):
        holders = units[values == value][:max_units].tolist()
        pairs.update((a, b) for i, a in enumerate(holders) for b in holders[i + 1:]
                     if b >= first_new and docs[a] != docs[b])
    return pairs


def _pairs(lookup: AnchorLookup, db: sqlite3.Connection, max_units: int) -> tuple[np.ndarray, tuple]:
    with lookup:
        return lookup.pairs(keyruns.UnitColumns(db, keyruns.runs(db)), max_units)


@pytest.mark.parametrize("elsewhere", [False, True], ids=["caller", "helper"])
@pytest.mark.parametrize("max_units", [2, 5, 50])
def test_the_anchor_pass_proposes_the_pairs_of_the_full_pass(index, max_units, elsewhere):
    rng = np.random.default_rng(max_units)
    first = 1
    for round_ in range(8):
        _batch(index, first, 8, rng, vocabulary=25)
        first_new, first = first, first + 8
        db = index.connection
        lookup = AnchorLookup(db, keyruns.dead_ranges(db), first_new, index.path if elsewhere else None)
        pairs, fresh = _pairs(lookup, db, max_units)
        assert set(map(tuple, pairs.tolist())) == _reference_pairs(index, first_new, max_units)
        assert list(map(tuple, pairs.tolist())) == sorted(set(map(tuple, pairs.tolist())))  # sorted, unique
        with index.transaction(findings_current=None) as tx:
            anchorindex.add_sorted(tx, *fresh, through=first)
        if round_ == 3:
            with index.transaction(findings_current=None) as tx:
                tx.execute("INSERT INTO dead_units (first, stop) VALUES (3, 6)")


def _stored_then_pending(index: Index) -> int:
    """Four batches stored in segments, one pending; its first unit."""
    rng = np.random.default_rng(3)
    for first in range(1, 33, 8):
        _batch(index, first, 8, rng, vocabulary=25)
    with index.transaction(findings_current=None) as tx:
        anchorindex.add_sorted(tx, *anchorindex.unindexed_sorted(tx, keyruns.dead_ranges(tx)), through=33)
    _batch(index, 33, 8, rng, vocabulary=25)
    return 33


def _sandbox_after_stored(index: Index) -> tuple[Index, int]:
    """The index's file opened as a sandbox after :func:`_stored_then_pending`; the first pending unit."""
    first_new = _stored_then_pending(index)
    path = index.path
    index.close()
    sandbox = Index.sandbox(path)
    assert sandbox is not None
    return sandbox, first_new


def _reading_connections(monkeypatch) -> list[sqlite3.Connection]:
    """The connections the segments' holders are read through, as they are read."""
    read: list[sqlite3.Connection] = []
    original = anchorindex.segment_holders

    def recording(db, rows, wanted, dead):  # type: ignore[no-untyped-def]
        read.append(db)
        return original(db, rows, wanted, dead)

    monkeypatch.setattr(anchorindex, "segment_holders", recording)
    return read


def test_a_sandbox_reads_the_stored_holders_on_a_helper_with_the_same_pairs(index, monkeypatch):
    sandbox, first_new = _sandbox_after_stored(index)
    with sandbox:
        db = sandbox.connection
        _batch(sandbox, 41, 8, np.random.default_rng(9), vocabulary=25)  # uncommitted: the helper cannot see it
        dead = keyruns.dead_ranges(db)
        expected = _pairs(AnchorLookup(db, dead, first_new), db, 5)
        read = _reading_connections(monkeypatch)
        found = _pairs(AnchorLookup(db, dead, first_new, sandbox.path), db, 5)
        assert len(read) == 1 and read[0] is not db
        assert found[0].tolist() == expected[0].tolist() and len(expected[0]) > 20
        assert [part.tolist() for part in found[1]] == [part.tolist() for part in expected[1]]
        assert {int(b) for b in found[0][:, 1]} & set(range(41, 49))  # the sandbox's own units paired


def test_segments_the_helper_does_not_see_as_the_caller_does_are_read_by_the_caller(index, monkeypatch):
    sandbox, first_new = _sandbox_after_stored(index)
    with sandbox:
        db = sandbox.connection
        store = anchorindex._store()
        last = db.execute("SELECT MAX(id) FROM anchor_segments").fetchone()[0]
        store.delete(db, last)  # uncommitted, like a migration inside the sandbox's transaction
        dead = keyruns.dead_ranges(db)
        expected = _pairs(AnchorLookup(db, dead, first_new), db, 50)
        read = _reading_connections(monkeypatch)
        found = _pairs(AnchorLookup(db, dead, first_new, sandbox.path), db, 50)
        assert read == [db]
        assert found[0].tolist() == expected[0].tolist()


def test_a_commit_after_the_callers_snapshot_leaves_the_reading_to_the_caller(index, monkeypatch):
    """A concurrent scan indexes anchors while this one reads: the helper's connection
    sees its new segment, the caller's snapshot does not."""
    first_new = _stored_then_pending(index)
    db = index.connection
    dead = keyruns.dead_ranges(db)
    with index.snapshot():
        expected = _pairs(AnchorLookup(db, dead, first_new), db, 5)
        with Index.open(index.path) as other, other.transaction(findings_current=None) as tx:
            anchorindex.add_sorted(tx, *anchorindex.unindexed_sorted(tx, keyruns.dead_ranges(tx)), through=41)
        read = _reading_connections(monkeypatch)
        found = _pairs(AnchorLookup(db, dead, first_new, index.path), db, 5)
        assert read == [db] and found[0].tolist() == expected[0].tolist() and len(expected[0])
    _batch(index, 41, 8, np.random.default_rng(5), vocabulary=25)
    read.clear()
    _pairs(AnchorLookup(db, dead, 41, index.path), db, 5)
    assert len(read) == 1 and read[0] is not db  # the same rows for both now: the helper reads


def test_a_helper_that_cannot_read_leaves_the_reading_to_the_caller(index, monkeypatch, tmp_path):
    first_new = _stored_then_pending(index)
    db = index.connection
    dead = keyruns.dead_ranges(db)
    expected = _pairs(AnchorLookup(db, dead, first_new), db, 5)
    read = _reading_connections(monkeypatch)
    for elsewhere in (tmp_path / "missing.sqlite", tmp_path / "not-an-index.sqlite"):
        if elsewhere.name.startswith("not"):
            elsewhere.write_bytes(b"not a database at all" * 100)
        read.clear()
        found = _pairs(AnchorLookup(db, dead, first_new, elsewhere), db, 5)
        assert read[-1] is db and found[0].tolist() == expected[0].tolist()
    assert not (tmp_path / "missing.sqlite").exists()


def test_a_first_scan_looks_nothing_up(index, monkeypatch):
    _batch(index, 1, 8, np.random.default_rng(1))
    read = _reading_connections(monkeypatch)
    db = index.connection
    pairs, fresh = _pairs(AnchorLookup(db, keyruns.dead_ranges(db), 1, index.path), db, 5)
    assert read == [] and len(fresh[0]) == 24 and len(pairs)
    assert anchorpass.anchor_pairs(db, keyruns.dead_ranges(db), 1, keyruns.UnitColumns(db, keyruns.runs(db)),
                                   5).tolist() == pairs.tolist()


class _DocOfUnit:
    """Unit ``u`` belongs to article ``u // 3``."""

    def lookup(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return units // 3, units


@pytest.mark.parametrize("seed", range(40))
def test_anchor_groups_pair_their_first_units_of_different_articles_once(seed):
    """The plain definition: units sharing an anchor pair when both are among the anchor's
    first ``max_units`` holders, of different articles, the later one pending."""
    rng = np.random.default_rng(seed)
    count = int(rng.integers(0, 60))
    values, units = np.sort(rng.integers(0, 12, count)), np.arange(count, dtype=np.int64)
    first_new, max_units = int(rng.integers(0, max(count, 1))), int(rng.integers(2, 6))
    expected = set()
    for anchor in set(values.tolist()):
        holders = units[values == anchor][:max_units].tolist()
        expected |= {(a, b) for i, a in enumerate(holders) for b in holders[i + 1 :] if b >= first_new and a // 3 != b // 3}
    found = _pairs_of_groups(values.astype(np.int64), units, first_new, _DocOfUnit(), max_units)
    assert [tuple(pair) for pair in found.tolist()] == sorted(expected)
