"""Boilerplate flags set after each scan from the affected fingerprints only are those a
recount of the whole index gives: a line turns boilerplate when its fourth article of a
site arrives and turns back when one goes."""

from __future__ import annotations

from pathlib import Path

from provenance import Index, ScanOptions, scan
from provenance.store.boilerplate import mark_all
from tests.conftest import prose

LINE = "Sign up for the morning briefing here."


def _flags(index: Index) -> list[tuple[int, int, int]]:
    return index.connection.execute("SELECT doc_id, idx, boilerplate FROM paragraphs ORDER BY doc_id, idx").fetchall()


def _recounted(index: Index) -> list[tuple[int, int, int]]:
    """The flags a recount of everything gives (rolled back afterwards)."""
    db = index.connection
    db.execute("BEGIN")
    try:
        mark_all(db, index.config.boilerplate)
        return _flags(index)
    finally:
        db.execute("ROLLBACK")


def _scan(root: Path, index_path: Path) -> list[tuple[int, int, int]]:
    with Index.open(index_path) as index:
        scan([root], index, ScanOptions(workers=1, batch_size=2, prune=True))
        flags = _flags(index)
        assert flags == _recounted(index)
    return flags


def test_flags_follow_arrivals_and_deletions_as_a_recount_does(write_article, tmp_path):
    root, index_path = tmp_path / "corpus", tmp_path / "ix.sqlite"
    paths = []
    for i in range(5):
        paths.append(write_article(f"x/{i}.txt", f"https://x.example/2021/02/0{i + 1}/{i}", f"2021-02-0{i + 1} 08:00:00",
                                   f"T{i}", [prose(40 + i), LINE, prose(50 + i)]))
        flags = _scan(root, index_path)
        repeated = sum(flag == 2 for *_, flag in flags)
        assert repeated == (0 if i < 3 else i + 1)
    for path in paths[:2]:
        path.unlink()
        flags = _scan(root, index_path)
    assert not any(flag == 2 for *_, flag in flags)
