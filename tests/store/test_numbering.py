"""Cluster numbers left pending in a sandbox: the rows read carry the numbers a scan
that keeps the articles gives them."""

from __future__ import annotations

import shutil
from pathlib import Path

from provenance import Index, ScanOptions, scan
from provenance.store import queries
from provenance.store.numbering import pending, settle_numbers
from provenance.store.schema import OPTIONAL_INDEXES, index_hint
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
