"""Cluster numbers left pending in a sandbox: the rows read carry the numbers a scan
that keeps the articles gives them."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import Index, ScanOptions, scan
from provenance.store import numbering, queries
from provenance.store.numbering import pending, renumber_all, settle_numbers
from provenance.store.schema import DDL, OPTIONAL_INDEXES, index_hint
from tests.conftest import prose

STOCK = prose(1, sentences=3)


def _corpus(write_article, tmp_path: Path) -> Path:
    """Three clusters over three days, each first printed on its day."""
    for day in (5, 6, 7):
        shared = prose(day, sentences=3)
        write_article(f"first{day}.txt", f"https://one.example/{day}", f"2020-01-0{day} 10:00:00", "F",
                      [prose(10 + day), shared])
        write_article(f"again{day}.txt", f"https://two.example/{day}", f"2020-01-0{day} 12:00:00", "A",
                      [shared, prose(20 + day)])
    return tmp_path / "corpus"


def _new(write_article, root: Path) -> list[Path]:
    """Two articles of a new cluster dated before every stored one, and a third taking
    over the origin of the last stored cluster."""
    return [write_article("old1.txt", "https://three.example/a", "2019-12-01 10:00:00", "O1", [prose(40), STOCK], root=root),
            write_article("old2.txt", "https://four.example/b", "2019-12-02 10:00:00", "O2", [STOCK, prose(41)], root=root),
            write_article("early7.txt", "https://five.example/c", "2020-01-04 10:00:00", "E",
                          [prose(7, sentences=3), prose(42)], root=root)]


def test_a_sandbox_numbers_the_rows_it_reads_as_a_kept_scan_does(tmp_path, write_article):
    corpus = _corpus(write_article, tmp_path)
    new = _new(write_article, tmp_path / "new")
    kept_path = tmp_path / "kept.sqlite"
    with Index.open(tmp_path / "base.sqlite") as base:
        scan([corpus], base, ScanOptions(workers=1))
        assert sorted(row[0] for row in queries.report_reuses(base.connection)) == [1, 2, 3]
    shutil.copyfile(tmp_path / "base.sqlite", kept_path)
    with Index.open(kept_path) as kept:
        scan(new, kept, ScanOptions(workers=1))
        every = queries.report_reuses(kept.connection)
        ids = {doc.id for source, doc in kept.stored_documents().items() if Path(source) in new}
    assert sorted({row[0] for row in every}) == [1, 2, 3, 4], "the new clusters come before old ones"
    expected = sorted(row[:8] + row[9:11] for row in every if {row[1], row[4]} & ids)
    with Index.sandbox(tmp_path / "base.sqlite") as sandbox:  # type: ignore[union-attr]
        scan(new, sandbox, ScanOptions(workers=1))
        db = sandbox.connection
        assert pending(db), "numbering every cluster again was left to the readers"
        assert sorted(queries.reuses_touching(db, ids)) == expected
        assert pending(db)
        settle_numbers(db)
        assert not pending(db)
        assert sorted(queries.report_reuses(db)) == sorted(every)


def test_a_sandbox_numbers_the_rows_it_reads_from_the_old_numbers_without_ranking_every_cluster(
        tmp_path, write_article, monkeypatch):
    corpus = _corpus(write_article, tmp_path)
    new = _new(write_article, tmp_path / "new")
    with Index.open(tmp_path / "base.sqlite") as base:
        scan([corpus], base, ScanOptions(workers=1))
    shutil.copyfile(tmp_path / "base.sqlite", tmp_path / "kept.sqlite")
    with Index.open(tmp_path / "kept.sqlite") as kept:
        scan(new, kept, ScanOptions(workers=1))
        every = queries.report_reuses(kept.connection)
        by_source = kept.stored_documents()
    first, second = ({by_source[str(path.resolve())].id} for path in (new[0], new[2]))
    ranked: list[str] = []
    original = numbering._number
    monkeypatch.setattr(numbering, "_number", lambda db, rows="": (ranked.append(rows), original(db, rows))[1])
    with Index.sandbox(tmp_path / "base.sqlite") as sandbox:  # type: ignore[union-attr]
        scan(new, sandbox, ScanOptions(workers=1))
        db = sandbox.connection
        # The first article's new cluster comes before every stored one; the third's
        # takes over the last stored cluster (its old key loses its rows).
        assert sorted(queries.reuses_touching(db, first)) == sorted(row[:8] + row[9:11] for row in every
                                                                    if first & {row[1], row[4]})
        assert not ranked, "numbered from the old numbers and the touched clusters"
        assert sorted(queries.reuses_touching(db, second)) == sorted(row[:8] + row[9:11] for row in every
                                                                     if second & {row[1], row[4]})
        assert ranked, "rows numbered anew since: every cluster is ranked"


def test_a_kept_scan_leaves_nothing_pending(tmp_path, write_article):
    corpus = _corpus(write_article, tmp_path)
    new = _new(write_article, tmp_path / "new")
    with Index.open(tmp_path / "ix.sqlite") as index:
        scan([corpus], index, ScanOptions(workers=1))
        scan(new, index, ScanOptions(workers=1))
        assert not pending(index.connection)
        numbers = [row[0] for row in queries.report_reuses(index.connection)]
    assert sorted(set(numbers)) == list(range(1, max(numbers) + 1))


def test_an_index_made_before_the_covering_indexes_gains_them_on_a_scan_not_in_a_sandbox(tmp_path, write_article):
    corpus = _corpus(write_article, tmp_path)
    new = _new(write_article, tmp_path / "new")
    path = tmp_path / "old.sqlite"
    with Index.open(path) as index:
        scan([corpus], index, ScanOptions(workers=1))
        for name in OPTIONAL_INDEXES:
            assert index_hint(index.connection, name), "a new index has it"
            index.connection.execute(f"DROP INDEX {name}")  # as an index made before it
    before = path.read_bytes()

    def touching(db, ids):
        return sorted(queries.reuses_touching(db, ids))

    with Index.sandbox(path) as sandbox:  # type: ignore[union-attr]
        scan(new, sandbox, ScanOptions(workers=1))
        ids = {doc.id for source, doc in sandbox.stored_documents().items() if Path(source) in new}
        assert not any(index_hint(sandbox.connection, name) for name in OPTIONAL_INDEXES), "a sandbox builds none"
        without = touching(sandbox.connection, ids)
    assert path.read_bytes() == before
    with Index.open(path) as index:
        assert all(index_hint(index.connection, name) for name in OPTIONAL_INDEXES), "a writable open builds them"
    with Index.sandbox(path) as sandbox:  # type: ignore[union-attr]
        scan(new, sandbox, ScanOptions(workers=1))
        assert touching(sandbox.connection, ids) == without  # the same numbers read either way
        assert {row[0] for row in without} >= {1}


# -- numbering from the old numbers, against ranking every cluster ---------------------------

_DRAFT_COLUMNS = ("cluster_doc, cluster_start, cluster_end, origin_doc, origin_start, origin_end, copy_doc, copy_start, "
                  "copy_end, similarity, shared, kind, origin_certain, jaccard, containment, matched")


def _add_row(db: sqlite3.Connection, key: tuple[int, int, int], copy_doc: int, number: int) -> None:
    """One finding of cluster ``key`` (a draft and its ``reuses`` row numbered ``number``)."""
    doc, start, end = key
    values = (doc, start, end, doc, start, end, copy_doc, 0, 10, 1.0, 5, "verbatim", 1, 1.0, 1.0, 5)
    draft = db.execute(f"INSERT INTO finding_drafts ({_DRAFT_COLUMNS}) VALUES ({', '.join('?' * 16)})", values).lastrowid
    db.execute(f"INSERT INTO reuses (id, cluster, {_DRAFT_COLUMNS.split(', ', 3)[3]}) VALUES (?, ?, {', '.join('?' * 13)})",
               (draft, number, *values[3:]))


def _numbers_of(db: sqlite3.Connection) -> list[tuple[int, int]]:
    return sorted(db.execute("""SELECT id, cluster FROM reuses WHERE copy_doc IN temp.checked_docs
                                OR origin_doc IN temp.checked_docs"""))


_KEYS = st.tuples(st.integers(1, 6), st.integers(0, 2).map(lambda s: 10 * s), st.just(50))


@settings(max_examples=200, deadline=None)
@given(dates=st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=6, max_size=6),
       hashes=st.lists(st.sampled_from("ab"), min_size=6, max_size=6),
       stored=st.sets(_KEYS, min_size=1, max_size=10), fates=st.lists(st.sampled_from(["keep", "grow", "gone"]), max_size=10),
       added=st.sets(_KEYS, max_size=4), checked=st.sets(st.integers(1, 6), min_size=1))
def test_rows_numbered_from_the_old_numbers_are_numbered_as_ranking_every_cluster(dates, hashes, stored, fates, added,
                                                                                   checked):
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    for doc in range(1, 7):
        db.execute("INSERT INTO documents (id, path, source, content_hash, published_us, text) VALUES (?, ?, ?, ?, ?, '')",
                   (doc, f"{doc}.txt", f"/{doc}.txt", hashes[doc - 1], dates[doc - 1]))
    for key in sorted(stored):
        _add_row(db, key, key[0] % 6 + 1, 0)
    renumber_all(db)  # the numbers right before the refresh
    touched, before = set(), {}
    # A refresh: some stored clusters gain a row or lose all theirs, new clusters appear.
    for key, fate in zip(sorted(stored), fates, strict=False):
        number = db.execute("SELECT r.cluster FROM reuses AS r JOIN finding_drafts AS f ON f.id = r.id "
                            "WHERE f.cluster_doc = ? AND f.cluster_start = ? AND f.cluster_end = ?", key).fetchone()[0]
        if fate == "grow":
            _add_row(db, key, (key[0] + 1) % 6 + 1, 0)
            touched.add(key)
        elif fate == "gone":
            db.execute("DELETE FROM reuses WHERE id IN (SELECT id FROM finding_drafts WHERE cluster_doc = ? "
                       "AND cluster_start = ? AND cluster_end = ?)", key)
            touched.add(key)
            before[key] = number
    for key in sorted(added - stored):
        _add_row(db, key, (key[0] + 2) % 6 + 1, 0)
        touched.add(key)
    renumber_all(db, defer=True, touched=touched, before=before)
    db.execute("CREATE TEMP TABLE checked_docs (id INTEGER PRIMARY KEY)")
    db.executemany("INSERT INTO temp.checked_docs VALUES (?)", [(doc,) for doc in sorted(checked)])
    ranked: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        original = numbering._number
        patch.setattr(numbering, "_number", lambda db, rows="": (ranked.append(rows), original(db, rows))[1])
        settle_numbers(db, "checked_docs")
    assert not ranked, "numbered from the old numbers"
    settled = _numbers_of(db)
    settle_numbers(db)  # every cluster ranked
    assert settled == _numbers_of(db)
