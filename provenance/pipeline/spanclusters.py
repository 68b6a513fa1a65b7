"""Span clusters: the connected components of the span graph, numbered in origin order.

A cluster's key is its earliest member span (publication order, article id, then
offsets): it orders the clusters and names one across runs while its membership stays
the same. Its origin is the member article with the earliest order key; the origin is
*certain* when it is dated and its instant (a whole day for date-only stamps) ends no
later than every other member's starts, and no member is undated. What the findings
of each cluster are is :mod:`provenance.pipeline.cluster`'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from provenance.pipeline.spangraph import (
    DocKey,
    Labeller,
    Matches,
    Node,
    SpanGraph,
    label_components,
)

__all__ = ["Clusters", "Members", "graph_clusters", "origin_certain", "span_clusters"]


def origin_certain(origin: DocKey, members: list[DocKey]) -> bool:
    if origin.latest_us is None:
        return False
    for member in members:
        if member.doc == origin.doc:
            continue
        if member.published_us is None or member.published_us < origin.latest_us:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Members:
    """What a cluster's findings start from (:meth:`Clusters.members`)."""

    origin: DocKey
    certain: bool
    #: Each article's nodes in the cluster, in group order; articles ascending.
    by_doc: dict[int, list[int]]


@dataclass(slots=True)
class Clusters:
    """The span graph's connected components in origin order: ``groups[i]`` holds the
    node ids of cluster ``i + 1``; ``keys[i]`` is its earliest member node (what orders
    the clusters, and names one across runs while its membership stays the same)."""

    graph: SpanGraph
    groups: list[list[int]]
    keys: list[Node]
    number_of: dict[int, int]
    doc_nodes: dict[int, list[int]]
    #: Match pairs ordered by cluster, where each cluster's run starts, each node's rank in
    #: the stored match order and the nodes as rows (built once, by :meth:`edge_rows`).
    _edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    #: Per cluster number, what :meth:`members` works out (made once, on first use).
    _members: dict[int, Members | None] = field(default_factory=dict, repr=False)

    def members(self, number: int, docs: Mapping[int, DocKey]) -> Members | None:
        """Cluster ``number``'s origin article, whether it is certain, and its nodes by
        article (each article's in group order); ``None`` when it holds one article.

        Made once per cluster and kept: a refresh makes its drafts a chunk of copy
        articles at a time, and a stock line's thousands of spans were gone through again
        by every chunk (~15 in a first scan of 100k articles). ``docs`` holds every
        article of the cluster, each under the key it has throughout the refresh."""
        if number not in self._members:
            nodes = self.graph.nodes
            by_doc: dict[int, list[int]] = defaultdict(list)
            for node in self.groups[number - 1]:
                by_doc[nodes[node][1]].append(node)
            found = None
            if len(by_doc) >= 2:
                group_docs = [docs[doc] for doc in sorted(by_doc)]
                origin = min(group_docs, key=lambda key: key.order)
                found = Members(origin, origin_certain(origin, group_docs), dict(by_doc))
            self._members[number] = found
        return self._members[number]

    def stream_units(self, copies: AbstractSet[int], copy_units: AbstractSet[int] | None) -> set[int]:
        """The units whose token streams the findings of ``copies`` on ``copy_units``
        read: every unit of their clusters, or (``copy_units`` given) of the copy spans,
        their neighbours and their clusters' origin spans (a stock line's other holders
        are not read; any other unit a finding reads is read when it asks). A full
        refresh reads whole clusters: its chunks keep a stock line's streams for the next
        one (:meth:`~provenance.store.passages.Units.retain`), where reading each chunk's
        neighbours read more in all (231k units against 219k at 100k articles)."""
        nodes, number_of = self.graph.nodes, self.number_of
        mine = [n for doc in copies for n in self.doc_nodes.get(doc, ()) if copy_units is None or nodes[n][0] in copy_units]
        numbers = {number_of[n] for n in mine}
        if copy_units is None:
            return {nodes[n][0] for number in numbers for n in self.groups[number - 1]}
        wanted = {nodes[m][0] for n in mine for m in (n, *self.graph.neighbours(n))}
        for number in numbers:  # the origin's spans, found from the origin's side
            wanted.update(nodes[n][0] for n in self.doc_nodes[self.keys[number - 1][1]] if number_of[n] == number)
        return wanted

    def edge_rows(self, number: int) -> np.ndarray:
        """Cluster ``number``'s match edges, each pair once, as ``(k, 9)`` rows: the two
        spans ``(unit, doc, start, end)``, the one the stored match order meets first on
        the left, then the matched words (what a cluster's signature digests)."""
        graph = self.graph
        if self._edges is None:
            numbers = np.zeros(len(graph.nodes), dtype=np.int64)
            for node, found in self.number_of.items():
                numbers[node] = found
            of_pair = numbers[graph.pairs[:, 0]]
            order = np.argsort(of_pair, kind="stable")
            self._edges = (order, np.searchsorted(of_pair[order], np.arange(1, len(self.groups) + 2)), graph.first_seen,
                           np.asarray(graph.nodes, dtype=np.int64).reshape(-1, 4))
        order, starts, first, spans = self._edges
        at = order[starts[number - 1] : starts[number]]
        low, high = graph.pairs[at, 0], graph.pairs[at, 1]
        swap = first[low] > first[high]
        left, right = np.where(swap, high, low), np.where(swap, low, high)
        return np.hstack([spans[left], spans[right], graph.pair_scores[at, None]])


def span_clusters(matches: Matches, docs: dict[int, DocKey], labeller: Labeller = label_components) -> Clusters:
    """Connected components of the span graph of ``matches``, numbered 1..n in origin
    order (by each one's earliest node: publication order, article id, then offsets)."""
    return graph_clusters(SpanGraph(matches), docs, labeller)


def graph_clusters(graph: SpanGraph, docs: dict[int, DocKey], labeller: Labeller = label_components) -> Clusters:
    """:func:`span_clusters` of a graph already built (or extended, :meth:`SpanGraph.add`)."""
    ids, labels = labeller(graph.left, graph.right)
    by_label: dict[int, list[int]] = defaultdict(list)
    for node_id, label in zip(ids.tolist(), labels.tolist(), strict=True):
        by_label[label].append(node_id)
    keyed = sorted((min((_node_order(graph.nodes[n], docs), n) for n in group), group) for group in by_label.values())
    groups = [group for _, group in keyed]
    keys = [graph.nodes[first] for (_, first), _ in keyed]
    number_of = {node: number for number, group in enumerate(groups, start=1) for node in group}
    doc_nodes: dict[int, list[int]] = defaultdict(list)
    for node_id, node in enumerate(graph.nodes):
        doc_nodes[node[1]].append(node_id)
    return Clusters(graph, groups, keys, number_of, dict(doc_nodes))


def _node_order(node: Node, docs: dict[int, DocKey]) -> tuple:
    return docs[node[1]].order, node[1], node[2], node[3]
