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
from provenance.pipeline.spanclusters import graph_clusters, span_clusters
from provenance.pipeline.spangraph import DocKey, SpanGraph, SpanMatch
from provenance.store import drafts
from provenance.store.clusters import cluster_signature
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


def test_a_new_article_joining_two_stored_clusters_redoes_only_the_joined_ones(tmp_path, write_article,
                                                                              forgotten_drafts):
    """An origin paragraph two copies took different halves of holds two clusters; an
    article reprinting it whole joins them. The merged cluster keeps the first one's key
    and origin, so only the second one's copy is redone (its findings move to that key),
    not the first one's; the result is what a full refresh stores."""
    from tests.conftest import prose

    first, second = prose(1, sentences=3), prose(2, sentences=3)
    write_article("a/origin.txt", "https://a.example/1", "2024-01-01T08:00:00Z", "Origin", [f"{first} {second}", prose(3)])
    write_article("b/first.txt", "https://b.example/1", "2024-01-02T08:00:00Z", "First", [prose(4), first, prose(5)])
    write_article("c/second.txt", "https://c.example/1", "2024-01-03T08:00:00Z", "Second", [prose(6), second, prose(7)])
    corpus, ix = tmp_path / "corpus", tmp_path / "ix.sqlite"
    with Index.open(ix) as index:
        scan([corpus], index, ScanOptions(workers=1))
        keys = index.connection.execute("SELECT doc, start, end FROM span_clusters ORDER BY doc, start").fetchall()
        drafts_before = dict(index.connection.execute(
            "SELECT d.path, f.id FROM finding_drafts AS f JOIN documents AS d ON d.id = f.copy_doc"))
    assert len(keys) == 2 and drafts_before.keys() == {"b/first.txt", "c/second.txt"}
    forgotten = forgotten_drafts  # filled by the refresh of the scan below
    write_article("d/whole.txt", "https://d.example/1", "2024-01-04T08:00:00Z", "Whole", [f"{first} {second}", prose(8)])
    with Index.open(ix) as index:
        scan([corpus], index, ScanOptions(workers=1))
        assert index.connection.execute("SELECT doc, start, end FROM span_clusters").fetchall() == [keys[0]]
        moved = index.connection.execute(
            """SELECT f.cluster_doc, f.cluster_start, f.cluster_end FROM finding_drafts AS f
               JOIN documents AS d ON d.id = f.copy_doc WHERE d.path = 'c/second.txt'""").fetchall()
    assert moved == [keys[0]]
    assert drafts_before["c/second.txt"] in forgotten and drafts_before["b/first.txt"] not in forgotten
    shutil.copyfile(ix, tmp_path / "full.sqlite")
    with Index.open(tmp_path / "full.sqlite") as index:
        refresh(index, full=True)
    assert _stored(ix) == _stored(tmp_path / "full.sqlite")


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


def _signature_as_stored(clusters, number: int, docs: dict[int, DocKey]) -> int:
    """The signature as indexes store it (the digest of Python's repr of the cluster, its
    edges ordered in Python): what a refresh compares a cluster with."""
    import hashlib
    graph = clusters.graph
    group = sorted(clusters.groups[number - 1])
    nodes = [graph.nodes[n] for n in group]
    members = sorted({node[1] for node in nodes})
    first = graph.first_seen
    edges = sorted(
        (graph.nodes[a], graph.nodes[b], score) if first[a] < first[b] else (graph.nodes[b], graph.nodes[a], score)
        for a in group for b, score in graph.partners_of(a).items() if a < b)
    text = repr((sorted(nodes), [(d, docs[d].published_us, docs[d].date_only, docs[d].content_hash) for d in members],
                 edges))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


_SPAN = st.tuples(st.integers(0, 6), st.sampled_from([(0, 40), (10, 50), (60, 90), (-5, 3)]))


@settings(max_examples=150, deadline=None)
@given(edges=st.lists(st.tuples(_SPAN, _SPAN, st.integers(1, 60)), min_size=1, max_size=30),
       dated=st.lists(st.booleans(), min_size=7, max_size=7))
def test_signatures_are_what_indexes_store(edges, dated):
    """The native edge text digests to the signature stored by every index so far, for any
    graph (twice-matched pairs, overlapping spans of one unit, several components, added
    in two steps): an upgrade would otherwise see every cluster as changed."""
    matches = [SpanMatch(a, a, s, e, b, b, t, u, m) for (a, (s, e)), (b, (t, u)), m in edges if a != b]
    if not matches:
        return
    docs = {d: DocKey(d, (1_000 + d) if dated[d] else None, d % 2 == 0, f"h{d}") for d in range(7)}
    whole = span_clusters(matches, docs)
    first_part = {whole.graph.nodes[n] for n in whole.groups[0]}
    graph = SpanGraph([m for m in matches if m[:4] in first_part])  # a refresh adds components as it loads them
    graph.add([m for m in matches if m[:4] not in first_part])
    for clusters in (whole, graph_clusters(graph, docs)):
        for number in range(1, len(clusters.groups) + 1):
            assert cluster_signature(clusters, number, docs) == _signature_as_stored(clusters, number, docs)
