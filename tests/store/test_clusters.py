"""Grown clusters: a refresh that redoes only the articles a cluster's new spans can
touch stores exactly what recomputing every finding of the index stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import CorpusSpec, generate_corpus
from provenance import Index, ScanOptions, scan
from provenance.pipeline.spangraph import SpanGraph
from provenance.store import drafts
from provenance.store.findings import refresh

ARTICLES = 40
_DRAFTS = """SELECT cluster_doc, cluster_start, cluster_end, origin_doc, origin_start, origin_end, copy_doc, copy_start,
                    copy_end, similarity, shared, kind, origin_certain, jaccard, containment, matched, stock, notice
             FROM finding_drafts ORDER BY copy_doc, copy_start, cluster_doc, cluster_start, origin_doc, origin_start"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Articles sharing stock phrases and wire copy: clusters that many articles join."""
    root = tmp_path_factory.mktemp("grown") / "generated"
    generate_corpus(root, CorpusSpec(num_articles=ARTICLES, seed=11, num_outlets=4, reuse_rate=0.7,
                                     stock_share=0.4, story_rate=0.1))
    return root, sorted(root.rglob("*.txt"))


_REUSES = """SELECT cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end FROM reuses
              ORDER BY copy_doc, copy_start, origin_doc, origin_start, cluster"""


def _stored(path: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    with Index.open(path) as index:
        db = index.connection
        return (db.execute(_DRAFTS).fetchall(),
                db.execute("SELECT doc, start, end, signature FROM span_clusters ORDER BY doc, start, end").fetchall(),
                db.execute(_REUSES).fetchall())


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(ARTICLES)), sizes=st.lists(st.integers(1, 4), min_size=ARTICLES, max_size=ARTICLES))
def test_arrivals_in_any_order_store_what_a_full_refresh_stores(corpus, tmp_path_factory, monkeypatch, order, sizes):
    grown: list[int] = []
    original = SpanGraph.grown_units

    def counting(self: SpanGraph, new: set[int], *args: object) -> set[int]:
        grown.append(len(new))
        return original(self, new, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SpanGraph, "grown_units", counting)
    _arrive(corpus, tmp_path_factory.mktemp("arrivals"), order, sizes)
    assert grown, "no scan grew a stored cluster: the corpus does not exercise the rule"


def test_new_clusters_after_all_others_keep_the_others_numbers(corpus, tmp_path_factory, monkeypatch):
    """Articles arriving in publication order: each scan numbers only its clusters."""
    numbered: list[bool] = []
    original = drafts._renumber_touched

    def counting(*args: object) -> bool:
        numbered.append(original(*args))  # type: ignore[arg-type]
        return numbered[-1]

    monkeypatch.setattr(drafts, "_renumber_touched", counting)
    base, files = corpus
    with Index.open(tmp_path_factory.mktemp("dates") / "ix.sqlite") as index:
        scan([base], index, ScanOptions(workers=1))
        dated = {Path(path).parts[-2:]: published for path, published in
                 index.connection.execute("SELECT path, published_us FROM documents")}
    published = [dated[files[i].parts[-2:]] for i in range(ARTICLES)]
    order = sorted(range(ARTICLES), key=lambda i: (published[i] is None, published[i] or 0, i))
    numbered.clear()
    _arrive(corpus, tmp_path_factory.mktemp("chronological"), order, [4] * ARTICLES)
    assert any(numbered), "no scan kept the other clusters' numbers"


def _arrive(corpus: tuple[Path, list[Path]], work: Path, order: list[int], sizes: list[int]) -> None:
    """Copy the articles in ``order``, ``sizes`` at a time, scanning after each batch; after
    every scan the stored state equals a full refresh of a copy."""
    root = work / "corpus"
    root.mkdir()
    base, files = corpus
    at = 0
    for size in sizes:
        if at >= ARTICLES:
            break
        for i in order[at : at + size]:
            source = files[i]
            target = root / source.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        at += size
        with Index.open(work / "ix.sqlite") as index:
            scan([root], index, ScanOptions(workers=1, batch_size=8))
        shutil.copyfile(work / "ix.sqlite", work / "full.sqlite")
        with Index.open(work / "full.sqlite") as index:
            refresh(index, full=True)
        assert _stored(work / "ix.sqlite") == _stored(work / "full.sqlite")
        (work / "full.sqlite").unlink()
    shutil.rmtree(work)
