"""Clusters of aligned spans: labels are connected components, chains keep the first
origin even when the two matches used different regions, and findings do not depend on
the order matches come in."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import Config
from provenance.pipeline.anchors import TokenStream
from provenance.pipeline.cluster import (
    DocKey,
    SpanMatch,
    cluster_findings,
    doc_ranks,
    findings_from_matches,
    label_components,
)
from provenance.pipeline.normalise import tokenise_columns
from provenance.pipeline.shingle import shingle_hashes, word_hashes
from provenance.pipeline.spanclusters import origin_certain, span_clusters
from tests.reference import connected_components


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=40))
def test_vectorised_labels_give_the_connected_components(edges):
    reference = connected_components(edges)
    units, labels = label_components(np.array([a for a, _ in edges], dtype=np.int64),
                                     np.array([b for _, b in edges], dtype=np.int64))
    assert units.tolist() == sorted(reference)
    for i, left in enumerate(units.tolist()):
        for j, right in enumerate(units.tolist()):
            assert (labels[i] == labels[j]) == (reference[left] == reference[right])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**62), 2**62), st.integers(-(2**62), 2**62)), max_size=30))
def test_labels_number_components_by_their_smallest_id_whatever_the_edge_order(edges):
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    units, labels = label_components(left, right)
    assert units.tolist() == sorted({*left.tolist(), *right.tolist()})
    firsts = [labels.tolist().index(label) for label in labels.tolist()]
    assert [labels[first] for first in sorted(set(firsts))] == list(range(len(set(firsts))))
    again = label_components(right[::-1].copy(), left[::-1].copy())
    assert again[0].tolist() == units.tolist() and again[1].tolist() == labels.tolist()


def _stream(text: str) -> TokenStream:
    words, starts, ends = tokenise_columns(text)
    hashes = word_hashes(words)
    return TokenStream(np.asarray(starts, np.int64), np.asarray(ends, np.int64), shingle_hashes(hashes, 3),
                       (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))


WIRE = ("The council voted on Tuesday to close the old mill on the river after a report found the roof unsafe. "
        "Residents who spent years restoring it said they would appeal the decision in the county court next month.")
# B takes all of A's paragraph; C takes only B's second sentence, so C's match with B is
# a different region of B from B's match with A (they overlap in B).
B_TEXT = WIRE
C_TEXT = ("Local news in brief. Residents who spent years restoring it said they would appeal the decision in the "
          "county court next month.")


def _match(a: int, a_doc: int, a_text: str, a_part: str, b: int, b_doc: int, b_text: str, b_part: str) -> SpanMatch:
    a_start, b_start = a_text.index(a_part), b_text.index(b_part)
    words = len(a_part.split())
    return SpanMatch(a, a_doc, a_start, a_start + len(a_part) - 1, b, b_doc, b_start, b_start + len(b_part) - 1, words)


SECOND = WIRE[WIRE.index("Residents") :]
TEXTS = {1: WIRE, 2: B_TEXT, 3: C_TEXT}
DOCS = {d: DocKey(d, 1_000_000 * d, False, f"h{d}") for d in TEXTS}


def _findings(matches: list[SpanMatch]) -> list:
    streams = {10 * d: _stream(text) for d, text in TEXTS.items()}
    paragraphs = {unit: (0, len(TEXTS[unit // 10])) for unit in streams}
    return findings_from_matches(matches, DOCS, streams, paragraphs, TEXTS.__getitem__, Config())


def test_a_chain_through_different_regions_of_the_middle_article_keeps_the_first_origin():
    second = SECOND
    findings = _findings([
        _match(10, 1, WIRE, WIRE, 20, 2, B_TEXT, B_TEXT),
        _match(20, 2, B_TEXT, second, 30, 3, C_TEXT, second),
    ])
    by_copy = {f.copy_doc: f for f in findings}
    assert set(by_copy) == {2, 3}
    assert by_copy[3].origin_doc == 1  # not B
    assert WIRE[by_copy[3].origin_start : by_copy[3].origin_end] == second
    assert C_TEXT[by_copy[3].copy_start : by_copy[3].copy_end] == second
    assert by_copy[3].kind == "contained" and by_copy[2].kind == "verbatim"


def test_findings_do_not_depend_on_match_order():
    second = SECOND
    matches = [
        _match(10, 1, WIRE, WIRE, 20, 2, B_TEXT, B_TEXT),
        _match(20, 2, B_TEXT, second, 30, 3, C_TEXT, second),
        _match(10, 1, WIRE, second, 30, 3, C_TEXT, second),
    ]
    results = set()
    for seed in range(6):
        shuffled = matches[:]
        random.Random(seed).shuffle(shuffled)
        results.add(tuple(_findings(shuffled)))
    assert len(results) == 1


def test_each_region_of_a_copy_keeps_its_own_first_origin():
    """A took a sentence from Z (older) and wrote one of its own; C copied A's paragraph.
    C's first sentence comes from A, its second from Z, although C matched only A."""
    own = "The mayor opened the new bridge over the river on Saturday after eleven years of planning and delay."
    taken = "Residents who spent years restoring it said they would appeal the decision in the county court next month."
    texts = {1: "Older report. " + taken, 2: own + " " + taken, 3: own + " " + taken}
    docs = {d: DocKey(d, 1_000_000 * d, False, f"h{d}") for d in texts}
    streams = {10 * d: _stream(text) for d, text in texts.items()}
    paragraphs = {unit: (0, len(texts[unit // 10])) for unit in streams}
    matches = [_match(10, 1, texts[1], taken, 20, 2, texts[2], taken),
               _match(20, 2, texts[2], texts[2], 30, 3, texts[3], texts[3])]
    findings = findings_from_matches(matches, docs, streams, paragraphs, texts.__getitem__, Config())
    from_c = sorted((f.copy_start, f.origin_doc, texts[3][f.copy_start : f.copy_end]) for f in findings if f.copy_doc == 3)
    assert [(origin, text) for _, origin, text in from_c] == [(2, own), (1, taken)]


def test_a_sentence_reached_through_a_partial_overlap_keeps_the_first_origin():
    """B reprinted A's paragraph (sentences two and three) after a long sentence of its own;
    C took B's first two sentences. B's two matched spans share only the middle sentence,
    too little to be one passage, yet that sentence of C is A's; the rest of C is B's."""
    own = ("The harbour board met in closed session for most of the afternoon on Thursday while fishermen waited "
           "outside in the rain for news of the quota.")
    middle = "Officials said the new limits would take effect in the spring."
    rest = ("Several skippers said they would sell their boats rather than fish at a loss for another season, and "
            "the union said it would ask the minister to meet them before the end of the month.")
    texts = {1: middle + " " + rest, 2: own + " " + middle + " " + rest, 3: own + " " + middle}
    docs = {d: DocKey(d, 1_000_000 * d, False, f"h{d}") for d in texts}
    streams = {10 * d: _stream(text) for d, text in texts.items()}
    paragraphs = {unit: (0, len(texts[unit // 10])) for unit in streams}
    matches = [_match(10, 1, texts[1], texts[1], 20, 2, texts[2], middle + " " + rest),
               _match(20, 2, texts[2], own + " " + middle, 30, 3, texts[3], texts[3])]
    findings = findings_from_matches(matches, docs, streams, paragraphs, texts.__getitem__, Config())
    from_c = sorted((f.copy_start, f.origin_doc, texts[3][f.copy_start : f.copy_end]) for f in findings if f.copy_doc == 3)
    assert [(origin, text) for _, origin, text in from_c] == [(2, own), (1, middle)]


@given(st.dictionaries(st.integers(0, 40), st.tuples(st.none() | st.integers(0, 3), st.sampled_from("ab")), max_size=12))
def test_ranks_order_articles_as_their_precedence_does(keys):
    docs = {doc: DocKey(doc, published, False, content) for doc, (published, content) in keys.items()}
    rank = doc_ranks(docs)
    for a, key_a in docs.items():
        for b, key_b in docs.items():
            assert (rank[a] < rank[b]) == (key_a.order < key_b.order)
            assert (rank[a] == rank[b]) == (key_a.order == key_b.order)
    assert sorted(set(rank[list(docs)].tolist())) == list(range(len({key.order for key in docs.values()})))  # dense
    assert all(rank[doc] == -1 for doc in range(len(rank)) if doc not in docs)


def _reprinted(copies: int) -> tuple[dict[int, str], dict[int, DocKey], list[SpanMatch]]:
    """A wire paragraph (article 1's) reprinted whole by ``copies`` later articles, each
    matched to the origin and to the copy before it, as a stock line is."""
    texts = {d: WIRE for d in range(1, copies + 2)}
    docs = {d: DocKey(d, 1_000_000 * d, False, f"h{d}") for d in texts}
    matches = [_match(10, 1, WIRE, WIRE, 10 * d, d, WIRE, WIRE) for d in range(2, copies + 2)]
    matches += [_match(10 * (d - 1), d - 1, WIRE, WIRE, 10 * d, d, WIRE, WIRE) for d in range(3, copies + 2)]
    return texts, docs, matches


class _CountedStreams(dict):
    """Token streams that record which units were asked for."""

    def __init__(self, streams: dict) -> None:
        super().__init__(streams)
        self.asked: set[int] = set()

    def __getitem__(self, unit: int) -> TokenStream:
        self.asked.add(unit)
        return super().__getitem__(unit)


def test_a_copy_of_a_stock_line_reads_its_own_neighbours_streams_not_every_holders():
    texts, docs, matches = _reprinted(12)
    clusters = span_clusters(matches, docs)
    assert len(clusters.groups) == 1
    # Article 7 matched the origin and articles 6 and 8: those units, and no other holder's.
    assert clusters.stream_units({7}, {70}) == {10, 60, 70, 80}
    assert clusters.stream_units({7}, {999}) == set()
    assert clusters.stream_units({7}, None) == {10 * d for d in texts}  # a full refresh reads whole clusters
    # What the findings then read: article 7's unit and the origin's, nothing else.
    streams = _CountedStreams({10 * d: _stream(text) for d, text in texts.items()})
    paragraphs = {unit: (0, len(WIRE)) for unit in streams}
    chunk = cluster_findings(clusters, docs, streams, paragraphs, texts.__getitem__, Config(), {7}, {70})
    assert streams.asked <= clusters.stream_units({7}, {70})
    assert [(f.origin_doc, f.copy_doc, f.kind) for f in chunk] == [(1, 7, "verbatim")]


def test_findings_made_a_few_copies_at_a_time_are_those_of_one_pass():
    texts, docs, matches = _reprinted(9)
    streams = {10 * d: _stream(text) for d, text in texts.items()}
    paragraphs = {unit: (0, len(WIRE)) for unit in streams}
    whole = findings_from_matches(matches, docs, streams, paragraphs, texts.__getitem__, Config())
    assert len(whole) == 9
    clusters = span_clusters(matches, docs)
    chunks = [{2, 3, 4}, {5}, {6, 7, 8, 9, 10}]
    parts = [f for chunk in chunks
             for f in cluster_findings(clusters, docs, streams, paragraphs, texts.__getitem__, Config(), chunk)]
    assert [(f.origin_doc, f.copy_doc, f.copy_start, f.copy_end, f.kind) for f in parts] == \
        [(f.origin_doc, f.copy_doc, f.copy_start, f.copy_end, f.kind) for f in whole]


def test_a_clusters_origin_and_members_are_worked_out_once():
    _, docs, matches = _reprinted(4)
    docs[3] = DocKey(3, None, False, "h3")  # an undated member: the origin is not certain
    clusters = span_clusters(matches, docs)
    members = clusters.members(1, docs)
    assert members is not None and members.origin == docs[1]
    assert members.certain is origin_certain(docs[1], list(docs.values())) is False
    assert sorted(members.by_doc) == [1, 2, 3, 4, 5]
    assert all(clusters.graph.nodes[n][1] == doc for doc, nodes in members.by_doc.items() for n in nodes)
    assert clusters.members(1, {}) is members  # kept: the articles' keys are not looked up again
    lone = span_clusters([_match(10, 1, WIRE, WIRE, 11, 1, WIRE, WIRE)], docs)
    assert lone.members(1, docs) is None  # one article: no copy
