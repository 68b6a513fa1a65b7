"""From aligned matches to reuse findings: clusters of spans, origins and reused regions.

* Every match joins two **spans** (a paragraph's aligned region in each article). Spans of
  one paragraph that overlap by at least half of the shorter one are the same passage,
  so they are joined too: clusters are connected components over spans. In a chain
  A -> B -> C, C lands in A's cluster even when B's span taken from A and B's span taken
  by C are different regions of B, as long as they overlap.
* The origin is the member article with the earliest publication instant. The order
  key is ``(undated, instant, content hash)``: an undated article never outranks a dated
  one, and ties are broken by the content hash, never by file name or scan order.
  An origin is *certain* when it is dated and its instant (a whole day for date-only
  stamps) ends no later than every other member's starts, and no member is undated.
  (The clusters, their order and origins: :mod:`provenance.pipeline.spanclusters`.)
* For each span of a copy article in the cluster, the origin side is the origin's spans
  it matched directly (or, in a chain, the origin's spans when they are one passage,
  else the nearest one through the cluster), and
  the pair is aligned once more so the finding reports the aligned words only. Per copy
  article, non-overlapping regions with most matched words, then highest similarity,
  are kept: one finding per reused region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import overload

import numpy as np

from provenance.config import Config
from provenance.pipeline.anchors import TokenStream
from provenance.pipeline.selection import Candidate, SpanCandidates, select_regions
from provenance.pipeline.spanclusters import Clusters, origin_certain, span_clusters
from provenance.pipeline.spangraph import (
    DocKey,
    Labeller,
    Matches,
    Node,
    SpanGraph,
    SpanMatch,
    label_components,
)
from provenance.pipeline.verify import measure, realign

__all__ = ["DocKey", "Finding", "SpanMatch", "cluster_findings", "doc_ranks", "findings_from_matches", "label_components"]

#: A region spanning less than this share of its paragraph's words (either side) is "contained".
_PARAGRAPH_SHARE = 2 / 3
_OPENING = "\"'\u201c\u2018([\u00ab"
_CLOSING = ".,;:!?\"'\u201d\u2019)]\u2026\u00bb"


@dataclass(frozen=True, slots=True)
class Finding:
    cluster: int
    origin_doc: int
    origin_start: int
    origin_end: int
    copy_doc: int
    copy_start: int
    copy_end: int
    similarity: float
    shared: int
    kind: str
    origin_certain: bool
    jaccard: float = 0.0
    containment: float = 0.0
    matched: int = 0


def findings_from_matches(
    matches: Matches,
    docs: dict[int, DocKey],
    streams: Mapping[int, TokenStream],
    paragraphs: Mapping[int, tuple[int, int]],
    texts: Callable[[int], str],
    config: Config,
    labeller: Labeller = label_components,
) -> list[Finding]:
    """Findings from stored matches (boilerplate already removed).

    ``streams`` and ``paragraphs`` give every matched paragraph unit's token stream and
    ``str`` span; ``texts(doc)`` an article's text (for the punctuation at span ends).
    """
    clusters = span_clusters(matches, docs, labeller)
    return _renumber(cluster_findings(clusters, docs, streams, paragraphs, texts, config))


def cluster_findings(
    clusters: Clusters,
    docs: dict[int, DocKey],
    streams: Mapping[int, TokenStream],
    paragraphs: Mapping[int, tuple[int, int]],
    texts: Callable[[int], str],
    config: Config,
    copies: AbstractSet[int] | None = None,
    copy_units: AbstractSet[int] | None = None,
    rank: np.ndarray | None = None,
) -> list[Finding]:
    """The findings of the copy articles ``copies`` (every article when ``None``) on the
    paragraph units ``copy_units`` (all of theirs when ``None``), each numbered with its
    cluster's number in ``clusters`` (not yet dense). A copy's findings on a paragraph
    depend only on the clusters holding that paragraph's spans and those sharing a
    paragraph with them (regions are chosen per paragraph, see :func:`~provenance.pipeline.selection.select_regions`), so the
    findings of a subset are those of the whole index restricted to it. ``rank``: the
    articles' :func:`doc_ranks` (made from ``docs`` when ``None``)."""
    graph, number_of = clusters.graph, clusters.number_of
    rank = doc_ranks(docs) if rank is None else rank  # a refresh in chunks ranks its articles once
    candidates: list[SpanCandidates] = []
    # Each cluster's copy articles among ``copies``, found from their side: a chunk of
    # copies meets a stock line's cluster without going through its thousands of spans.
    # Only clusters holding a span of a copy paragraph give candidates: skip the others
    # (a refresh loads whole components, stock ones of thousands of articles included).
    chosen_docs: dict[int, set[int]] = defaultdict(set)
    touched: set[int] = set()
    for doc in copies or ():
        for n in clusters.doc_nodes.get(doc, ()):
            chosen_docs[number_of[n]].add(doc)
            if copy_units is None or graph.nodes[n][0] in copy_units:
                touched.add(number_of[n])
    numbers = range(1, len(clusters.groups) + 1) if copies is None else sorted(touched)
    for number in numbers:
        members = clusters.members(number, docs)
        if members is None:
            continue
        origin, certain, by_doc = members.origin, members.certain, members.by_doc
        for copy_doc in sorted(by_doc if copies is None else chosen_docs[number]):
            if copy_doc == origin.doc:
                continue
            copy_key, copy_rank = docs[copy_doc], int(rank[copy_doc])
            # One candidate per copy span and source: the cluster's origin (directly or
            # through the chain) and every other earlier article the span matched
            # directly; selection keeps the earliest source of each region (see select_regions).
            for node in sorted(by_doc[copy_doc], key=lambda n: graph.nodes[n]):
                unit = graph.nodes[node][0]
                if copy_units is not None and unit not in copy_units:
                    continue
                words = _words(streams[unit], [graph.nodes[node]])
                found = graph.direct_side(node, origin.doc) or graph.nearest(node, by_doc[origin.doc])
                # Its candidates, aligned only if selection reaches them: the origin
                # through ``found``, the other earlier articles it matched directly, and
                # earlier spans reached through a partial overlap (nodes).
                direct = graph.direct_sources(node, rank, copy_rank)
                direct = direct[direct != origin.doc]
                overlapped = graph.overlapped_sources(node, docs, copy_key)
                ranks = np.concatenate([rank[[origin.doc] if found else []], rank[direct],
                                        rank[graph.node_docs[overlapped]]])
                positions = np.argsort(ranks, kind="stable")
                keys = list(zip(ranks[positions].tolist(), positions.tolist(), strict=True))
                candidates.append(SpanCandidates(copy_doc, unit, words, keys, partial(
                    _align_spec, found, direct.tolist(), overlapped, number, certain, graph, node, copy_key, streams,
                    docs, config, number_of)))
    chosen = select_regions(candidates, streams, config)
    prefetch = getattr(texts, "prefetch", None)  # a store's texts read many articles at once
    if prefetch is not None:
        prefetch(sorted({doc for c in chosen if _contained(c, streams) for doc in (c.origin_doc, c.copy_doc)}))
    return [_finding(c, streams, paragraphs, texts, config.shingle.size) for c in chosen]


def _words(stream: TokenStream, nodes: list[Node]) -> tuple[int, int]:
    return stream.word_range(*_nodes_span(nodes))


def _nodes_span(nodes: list[Node]) -> tuple[int, int]:
    """The ``str`` span of ``nodes`` (spans of one paragraph) from first start to last end."""
    if len(nodes) == 1:
        return nodes[0][2], nodes[0][3]
    return min(n[2] for n in nodes), max(n[3] for n in nodes)


@overload
def _candidate(number: int, certain: bool, graph: SpanGraph, region: list[int], origin_nodes: list[int],
               streams: Mapping[int, TokenStream], docs: dict[int, DocKey], config: Config) -> Candidate: ...


@overload
def _candidate(number: int, certain: bool, graph: SpanGraph, region: list[int], origin_nodes: list[int],
               streams: Mapping[int, TokenStream], docs: dict[int, DocKey], config: Config,
               required: bool) -> Candidate | None: ...


def _candidate(number: int, certain: bool, graph: SpanGraph, region: list[int], origin_nodes: list[int],
               streams: Mapping[int, TokenStream], docs: dict[int, DocKey], config: Config,
               required: bool = False) -> Candidate | None:
    """The two spans aligned once more; with ``required``, ``None`` unless the region
    passes the acceptance rule (a source reached through a partial overlap)."""
    copy_nodes = [graph.nodes[n] for n in region]
    source_nodes = [graph.nodes[n] for n in origin_nodes]
    copy_unit, origin_unit = copy_nodes[0][0], source_nodes[0][0]
    copy_stream, origin_stream = streams[copy_unit], streams[origin_unit]
    found = realign(origin_stream, _nodes_span(source_nodes), copy_stream, _nodes_span(copy_nodes), config, required,
                    offsets=True)
    if found is None:
        return None
    origin_words, copy_words, matched, similarity, shared, jaccard, containment = found
    copy_doc, origin_doc = copy_nodes[0][1], source_nodes[0][1]
    start = int(copy_stream.starts[copy_words[0]])
    rank = (docs[origin_doc].order, -matched, -similarity, copy_words[1] - copy_words[0], start,
            int(origin_stream.starts[origin_words[0]]))
    return Candidate(number, certain, origin_doc, copy_doc, origin_unit, copy_unit, origin_words, copy_words,
                      similarity, shared, jaccard, containment, matched, rank)


def _align_spec(found: list[int], direct: list[int], overlapped: list[int], number: int, certain: bool,
                graph: SpanGraph, node: int, copy: DocKey, streams: Mapping[int, TokenStream], docs: dict[int, DocKey],
                config: Config, number_of: Mapping[int, int], position: int) -> Candidate | None:
    """Align candidate ``position`` of copy span ``node`` (the origin's first if
    ``found``, then those of ``direct``, then of ``overlapped``): its cluster's origin
    through ``found``; a source matched directly, against the spans of it that ``node``
    matched (with the pair's certainty, looked up only now: a wire line's span matched
    hundreds of earlier articles, and selection aligns the first few); or an earlier span
    that overlaps it, only if the pair passes the acceptance rule."""
    if found:
        if position == 0:
            return _candidate(number, certain, graph, [node], found, streams, docs, config)
        position -= 1
    if position < len(direct):
        source = direct[position]
        return _candidate(number, origin_certain(docs[source], [docs[source], copy]), graph, [node],
                          graph.direct_side(node, source), streams, docs, config)
    earlier = overlapped[position - len(direct)]
    source = graph.nodes[earlier][1]
    return _candidate(number_of[earlier], origin_certain(docs[source], [docs[source], copy]), graph, [node], [earlier],
                      streams, docs, config, required=True)


def doc_ranks(docs: Mapping[int, DocKey]) -> np.ndarray:
    """Each article's precedence as a dense rank, indexed by article id (equal orders,
    equal ranks; ``-1`` for ids not in ``docs``): a copy span's hundreds of sources are
    compared as integers in arrays, not as order tuples one by one."""
    ordered = sorted((key.order, doc) for doc, key in docs.items())
    dense = np.cumsum([False, *(a[0] != b[0] for a, b in pairwise(ordered))], dtype=np.int64)
    rank = np.full(max(docs, default=-1) + 1, -1, dtype=np.int64)
    rank[np.asarray([doc for _, doc in ordered], dtype=np.int64)] = dense[: len(ordered)]
    return rank


def _span(stream: TokenStream, words: tuple[int, int], paragraph: tuple[int, int], text: str) -> tuple[int, int]:
    """``str`` span of a word range: the whole paragraph when it holds every word, else
    from the first word to the last, with adjoining quotes and closing punctuation."""
    first, last = words
    if first == 0 and last >= len(stream):
        return paragraph
    start, end = int(stream.starts[first]), int(stream.ends[last - 1])
    while start > paragraph[0] and text[start - 1] in _OPENING:
        start -= 1
    while end < paragraph[1] and text[end] in _CLOSING:
        end += 1
    return start, end


def _contained(candidate: Candidate, streams: Mapping[int, TokenStream]) -> bool:
    """Whether a region is reported as its aligned words (``contained``), not as the
    paragraphs it spans most of (see :func:`_finding`)."""
    o_share = (candidate.origin_words[1] - candidate.origin_words[0]) / max(1, len(streams[candidate.origin_unit]))
    c_share = (candidate.copy_words[1] - candidate.copy_words[0]) / max(1, len(streams[candidate.copy_unit]))
    return candidate.trimmed or min(o_share, c_share) < _PARAGRAPH_SHARE


def _finding(candidate: Candidate, streams: Mapping[int, TokenStream], paragraphs: Mapping[int, tuple[int, int]],
             texts: Callable[[int], str], size: int) -> Finding:
    """A region spanning most of both paragraphs is the paragraph reused (edited or
    abridged): reported whole, so the edits at its ends show; a smaller region of either
    paragraph is ``contained`` and reported as its aligned words."""
    origin_stream, copy_stream = streams[candidate.origin_unit], streams[candidate.copy_unit]
    origin_paragraph, copy_paragraph = paragraphs[candidate.origin_unit], paragraphs[candidate.copy_unit]
    measures = (candidate.similarity, candidate.shared, candidate.jaccard, candidate.containment)
    if _contained(candidate, streams):
        kind = "contained"
        o_span = _span(origin_stream, candidate.origin_words, origin_paragraph, texts(candidate.origin_doc))
        c_span = _span(copy_stream, candidate.copy_words, copy_paragraph, texts(candidate.copy_doc))
    else:
        o_span, c_span = origin_paragraph, copy_paragraph
        measures = measure(origin_stream, (0, len(origin_stream)), copy_stream, (0, len(copy_stream)),
                           candidate.matched, size)
        kind = "verbatim" if measures[0] >= 1.0 else "near-duplicate"
    similarity, shared, jacc, containment = measures
    return Finding(candidate.cluster, candidate.origin_doc, *o_span, candidate.copy_doc, *c_span,
                   similarity, shared, kind, candidate.certain, jacc, containment, candidate.matched)


def _renumber(findings: list[Finding]) -> list[Finding]:
    """Dense cluster numbers 1..n in origin order, whatever clusters selection dropped."""
    numbers = {old: new for new, old in enumerate(sorted({f.cluster for f in findings}), start=1)}
    return [
        Finding(numbers[f.cluster], *(getattr(f, name) for name in Finding.__slots__[1:]))  # type: ignore[arg-type]
        for f in findings
    ]
