"""The stored findings are a function of the stored matches and flags: recomputing gives
the same rows, whatever order the matches come in, and rewrites nothing unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.corpus import CorpusSpec, generate_corpus
from provenance import Index, ScanOptions, scan
from provenance.store.findings import compute_findings, refresh


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("findings")
    generate_corpus(root / "corpus", CorpusSpec(num_articles=160, seed=11))
    with Index.open(root / "ix.sqlite") as index:
        scan([root / "corpus"], index, ScanOptions(workers=1, batch_size=32))
    return root / "ix.sqlite"


def test_findings_do_not_depend_on_the_order_matches_are_read(scanned):
    with Index.open(scanned) as index:
        db = index.connection
        stored = db.execute("SELECT cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end, kind "
                            "FROM reuses ORDER BY id").fetchall()
        assert len(stored) > 50  # the corpus plants enough reuse to mean something
        reference = compute_findings(db, index.config)
        assert stored == [(f.cluster, f.origin_doc, f.origin_start, f.origin_end, f.copy_doc, f.copy_start, f.copy_end,
                           f.kind) for f in reference]
        # The same matches stored in reverse order give the same findings.
        rows = db.execute("SELECT * FROM matches").fetchall()
        db.execute("DELETE FROM matches")
        db.executemany(f"INSERT INTO matches VALUES ({', '.join('?' * len(rows[0]))})", rows[::-1])
        assert compute_findings(db, index.config) == reference


def test_refresh_is_idempotent_and_rewrites_no_unchanged_flag(scanned):
    with Index.open(scanned) as index:
        before = index.connection.execute("SELECT * FROM reuses ORDER BY id").fetchall()
        db = index.connection
        db.execute("CREATE TEMP TABLE flag_writes (n INTEGER)")
        db.execute("CREATE TEMP TRIGGER count_flag_writes AFTER UPDATE ON paragraphs BEGIN INSERT INTO flag_writes VALUES (1); END")
        refresh(index)
        assert db.execute("SELECT COUNT(*) FROM temp.flag_writes").fetchone()[0] == 0
        after = index.connection.execute("SELECT cluster, origin_doc, copy_doc, copy_start FROM reuses ORDER BY id").fetchall()
        assert after == [(r[1], r[2], r[5], r[6]) for r in before]


@pytest.mark.parametrize("chunk", [1, 7])
def test_drafts_made_a_few_copy_articles_at_a_time_are_those_of_one_pass(scanned, tmp_path, monkeypatch, chunk):
    from provenance.store import findings

    def stored(path: Path) -> list[list[tuple]]:
        with Index.open(path) as index:
            db = index.connection
            return [db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                    for table in ("finding_drafts", "draft_anchors", "reuses", "span_clusters")]

    copy = tmp_path / "copy.sqlite"
    shutil.copy(scanned, copy)
    with Index.open(copy) as index:
        assert index.connection.execute("SELECT COUNT(DISTINCT copy_doc) FROM finding_drafts").fetchone()[0] > 3 * chunk
        monkeypatch.setattr(findings, "_COPY_CHUNK", chunk)
        refresh(index, full=True)
    assert stored(copy) == stored(scanned)


def _drafts_of(index: Index, doc_path: str) -> dict[int, int]:
    """Copy start by draft id, for the copy article stored under ``doc_path``."""
    return dict(index.connection.execute(
        """SELECT f.id, f.copy_start FROM finding_drafts AS f JOIN documents AS d ON d.id = f.copy_doc
           WHERE d.path = ?""", (doc_path,)).fetchall())


def test_a_late_arrival_redoes_only_the_paragraph_it_touches(tmp_path, write_article, forgotten_drafts):
    """An earlier-dated article arriving late that shares one paragraph with a copy redoes
    that paragraph's finding; the copy's other reused paragraph's finding is not touched
    (never forgotten and written again), and the result is what a full refresh stores."""
    from tests.conftest import prose

    wire, other = prose(1, sentences=4), prose(2, sentences=4)
    write_article("a/origin.txt", "https://a.example/1", "2024-01-01T08:00:00Z", "Origin", [wire, prose(3), other])
    write_article("b/copy.txt", "https://b.example/1", "2024-01-03T08:00:00Z", "Copy", [prose(4), wire, other])
    corpus, ix = tmp_path / "corpus", tmp_path / "ix.sqlite"
    with Index.open(ix) as index:
        scan([corpus], index, ScanOptions(workers=1))
        before = _drafts_of(index, "b/copy.txt")
    assert len(before) == 2
    forgotten = forgotten_drafts  # filled by the refresh of the scan below
    write_article("c/late.txt", "https://c.example/1", "2024-01-02T08:00:00Z", "Late", [wire, prose(5)])
    with Index.open(ix) as index:
        scan([corpus], index, ScanOptions(workers=1))
        stored = index.connection.execute(_ALL_DRAFTS).fetchall()
    wire_draft, other_draft = sorted(before, key=before.__getitem__)  # the wire paragraph comes first in the copy
    assert wire_draft in forgotten and other_draft not in forgotten
    shutil.copyfile(ix, tmp_path / "full.sqlite")
    with Index.open(tmp_path / "full.sqlite") as index:
        refresh(index, full=True)
        assert index.connection.execute(_ALL_DRAFTS).fetchall() == stored


_ALL_DRAFTS = """SELECT cluster_doc, cluster_start, cluster_end, origin_doc, origin_start, origin_end, copy_doc, copy_start,
                        copy_end, similarity, kind, origin_certain, stock, notice FROM finding_drafts
                 ORDER BY copy_doc, copy_start, origin_doc, origin_start"""
