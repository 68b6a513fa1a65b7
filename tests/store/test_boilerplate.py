"""Boilerplate flags set after each scan from the affected fingerprints only are those a
recount of the whole index gives: a line turns boilerplate when its fourth article of a
site arrives and turns back when one goes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import Index, ScanOptions, scan
from provenance.config import BoilerplateConfig
from provenance.store.boilerplate import mark_affected, mark_all
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


def _add(db, first: int, docs: list[tuple[str, str, list[tuple[int, int, int]]]]) -> None:
    """Documents ``(site, folder, paragraphs (fingerprint, words, pattern))`` from id ``first``."""
    for number, (site, folder, paragraphs) in enumerate(docs, start=first):
        db.execute("INSERT INTO documents (id, path, source, content_hash, site, text) VALUES (?, ?, ?, '', ?, x'')",
                   (number, f"{folder}/{number}.txt", f"/corpus/{folder}/{number}.txt", site))
        db.executemany("INSERT INTO paragraphs (doc_id, idx, start, end, words, fingerprint, pattern) "
                       "VALUES (?, ?, 0, 1, ?, ?, ?)",
                       [(number, idx, words, fingerprint, pattern)
                        for idx, (fingerprint, words, pattern) in enumerate(paragraphs)])


_paragraph = st.tuples(st.integers(0, 3), st.sampled_from([0, 3, 39, 41]), st.sampled_from([0, 0, 1]))
_document = st.tuples(st.sampled_from(["", "a.example", "b.example"]), st.sampled_from(["x", "y", "x/z"]),
                      st.lists(_paragraph, max_size=4))


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.lists(_document, min_size=1, max_size=4), min_size=1, max_size=4),
       patterns=st.booleans(), delete=st.booleans())
def test_arrivals_set_the_flags_a_recount_gives_and_report_what_turned(tmp_path_factory, batches, patterns, delete):
    """Flags after each batch equal a full recount's; the paragraphs reported are exactly
    those whose flag turned between zero and non-zero (new ones start at zero)."""
    config = BoilerplateConfig(max_words=40, min_documents=3, use_builtin_patterns=patterns)
    with Index.open(tmp_path_factory.mktemp("b") / "ix.sqlite") as index, index.transaction(findings_current=None) as db:
        first = 1
        for number, batch in enumerate(batches):
            before = {(doc, idx): flag for doc, idx, flag in db.execute("SELECT doc_id, idx, boilerplate FROM paragraphs")}
            gone = delete and number % 2 == 1 and first > 1
            if gone:  # a deleted article leaves its fingerprints to recount (the general path)
                db.execute("INSERT OR IGNORE INTO stale_fingerprints SELECT fingerprint FROM paragraphs WHERE doc_id = 1")
                db.execute("DELETE FROM paragraphs WHERE doc_id = 1")
                db.execute("DELETE FROM documents WHERE id = 1")
                before = {key: flag for key, flag in before.items() if key[0] != 1}
            _add(db, first, batch)
            turned = mark_affected(db, config, first)
            db.execute("DELETE FROM stale_fingerprints")
            after = {(doc, idx): flag for doc, idx, flag in db.execute("SELECT doc_id, idx, boilerplate FROM paragraphs")}
            mark_all(db, config)
            assert after == {(doc, idx): flag for doc, idx, flag in db.execute("SELECT doc_id, idx, boilerplate FROM paragraphs")}
            assert sorted(turned) == sorted(key for key, flag in after.items() if (before.get(key, 0) == 0) != (flag == 0))
            first += len(batch)
