"""The stored findings are a function of the stored matches and flags: recomputing gives
the same rows, whatever order the matches come in, and rewrites nothing unchanged."""

from __future__ import annotations

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
