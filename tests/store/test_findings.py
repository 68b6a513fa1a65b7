"""The index-scale refresh gives exactly what the in-memory reference gives from every
stored edge, loaded eagerly (the way findings were first computed)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from benchmarks.corpus import CorpusSpec, generate_corpus
from provenance import Index, ScanOptions, scan
from provenance.pipeline.cluster import DocKey, UnitInfo, find_reuses
from provenance.store.findings import _EDGES, compute_findings, refresh
from provenance.store.index import decode_shingles


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("findings")
    generate_corpus(root / "corpus", CorpusSpec(num_articles=160, seed=11))
    with Index.open(root / "ix.sqlite") as index:
        scan([root / "corpus"], index, ScanOptions(workers=1, batch_size=32))
    return root / "ix.sqlite"


def _reference(index: Index) -> list:
    db = index.connection
    edges = db.execute(_EDGES).fetchall()
    units: dict[int, UnitInfo] = {}
    segments: dict[tuple[int, int], list[UnitInfo]] = defaultdict(list)
    for row in db.execute("SELECT id, doc_id, paragraph, kind, start, end, shingles FROM units ORDER BY doc_id, paragraph, start"):
        info = UnitInfo(*row[:6], decode_shingles(row[6]))
        units[info.unit] = info
        if info.kind == "segment":
            segments[(info.doc, info.paragraph)].append(info)
    paragraphs = {(d, i): (s, e) for d, i, s, e in db.execute("SELECT doc_id, idx, start, end FROM paragraphs")}
    docs = {d: DocKey(d, p, bool(o), h) for d, p, o, h in db.execute("SELECT id, published_us, date_only, content_hash FROM documents")}
    return find_reuses(edges, units, dict(segments), paragraphs, docs)


def test_refresh_equals_the_in_memory_reference(scanned):
    with Index.open(scanned) as index:
        stored = index.connection.execute(
            "SELECT cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end, similarity, shared, "
            "kind, origin_certain FROM reuses ORDER BY id").fetchall()
        reference = _reference(index)
        assert len(reference) > 50  # the corpus plants enough reuse to mean something
        assert stored == [(f.cluster, f.origin_doc, f.origin_start, f.origin_end, f.copy_doc, f.copy_start, f.copy_end,
                           f.similarity, f.shared, f.kind, int(f.origin_certain)) for f in reference]
        assert compute_findings(index.connection) == reference


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
