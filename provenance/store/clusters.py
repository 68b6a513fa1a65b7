"""Which clusters changed since the last refresh, and which copy articles that touches.

Each cluster (connected component of the span graph, :mod:`provenance.pipeline.spangraph`)
is stored under a stable key, its **earliest member span** ``(doc, start, end)``, with a
**signature** of everything its findings depend on: its spans (unit, article, offsets),
the publication keys and content hashes of its articles, and its match edges with their
matched words. A cluster whose key and signature are both stored is unchanged; every other
current cluster, and every stored cluster not found again, has changed.

A copy article's findings depend on the clusters holding its spans and, through a partial
overlap (``SpanGraph.overlapped_sources``: a span it matched shares a paragraph with a
span of another cluster), on the clusters holding a span of the paragraphs its spans
matched. So the findings to recompute are those of every article a changed cluster holds
(as it is now or as it was) and of every article with a span matched to a span of a
paragraph a changed cluster holds. That is a superset of what can have changed:
conservative, never wrong. The filters are decided again for every cluster sharing a
paragraph with a changed one.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass

import numpy as np

from provenance.pipeline.cluster import Clusters
from provenance.pipeline.spangraph import DocKey

__all__ = ["Changes", "ClusterKey", "cluster_key", "cluster_signature", "find_changes", "store_changes"]

_log = logging.getLogger(__name__)

#: A cluster's stable name: its earliest member span ``(doc, start, end)``.
ClusterKey = tuple[int, int, int]


@dataclass(slots=True)
class Changes:
    """What a refresh recomputes: ``copies`` (the articles whose findings are rewritten),
    ``clusters`` (numbers in the current :class:`Clusters` whose findings' filters are
    re-evaluated), ``gone`` (stored cluster keys no longer current as stored) and
    ``changed`` (numbers of current clusters to store anew, with their signatures)."""

    copies: set[int]
    clusters: set[int]
    gone: set[ClusterKey]
    changed: dict[int, int]


def cluster_key(clusters: Clusters, number: int) -> ClusterKey:
    """The stored key of cluster ``number`` (1-based)."""
    _, doc, start, end = clusters.keys[number - 1]
    return doc, start, end


def cluster_signature(clusters: Clusters, number: int, docs: dict[int, DocKey]) -> int:
    """A 63-bit digest of what the findings of cluster ``number`` depend on."""
    graph = clusters.graph
    group = sorted(clusters.groups[number - 1])
    nodes = [graph.nodes[n] for n in group]
    members = sorted({node[1] for node in nodes})
    edges = sorted(
        (graph.nodes[a], graph.nodes[b], graph.matched[(a, b)])
        for a in group for b in graph.adjacent[a] if a < b and (a, b) in graph.matched
    )
    text = repr((sorted(nodes), [(d, docs[d].published_us, docs[d].date_only, docs[d].content_hash) for d in members],
                 edges))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


def find_changes(db: sqlite3.Connection, clusters: Clusters, docs: dict[int, DocKey]) -> Changes:
    """Compare the current clusters with the stored ones (``span_clusters``)."""
    stored = {(doc, start, end): signature
              for doc, start, end, signature in db.execute("SELECT doc, start, end, signature FROM span_clusters")}
    graph = clusters.graph
    changed: dict[int, int] = {}
    kept: set[ClusterKey] = set()
    for number in range(1, len(clusters.groups) + 1):
        key = cluster_key(clusters, number)
        signature = cluster_signature(clusters, number, docs)
        if stored.get(key) == signature:
            kept.add(key)
        else:
            changed[number] = signature
    gone = set(stored) - kept
    units: set[int] = {graph.nodes[n][0] for number in changed for n in clusters.groups[number - 1]}
    copies: set[int] = set()
    for doc, start, end in gone:
        row = db.execute("SELECT units, docs FROM span_clusters WHERE doc = ? AND start = ? AND end = ?",
                         (doc, start, end)).fetchone()
        units.update(np.frombuffer(row[0], dtype="<i8").tolist())
        copies.update(np.frombuffer(row[1], dtype="<i8").tolist())
    on_units = [n for unit in units for n in graph.by_unit.get(unit, ())]
    touched = {clusters.number_of[n] for n in on_units}
    copies.update(graph.nodes[n][1] for number in changed for n in clusters.groups[number - 1])
    # A span matched to a span of a changed paragraph may reach a source through a
    # partial overlap there (SpanGraph.overlapped_sources): its article is redone too.
    copies.update(graph.nodes[other][1] for n in on_units for other in graph.adjacent.get(n, ()))
    _log.debug("clusters: %d changed, %d gone, %d sharing a paragraph with them; %d copy articles to redo",
               len(changed), len(gone), len(touched), len(copies))
    return Changes(copies, touched, gone, changed)


def store_changes(db: sqlite3.Connection, clusters: Clusters, changes: Changes) -> None:
    """Replace the stored state of every changed cluster."""
    db.executemany("DELETE FROM span_clusters WHERE doc = ? AND start = ? AND end = ?", sorted(changes.gone))
    graph = clusters.graph
    rows = []
    for number, signature in sorted(changes.changed.items()):
        nodes = [graph.nodes[n] for n in clusters.groups[number - 1]]
        units = np.unique(np.asarray([node[0] for node in nodes], dtype="<i8"))
        members = np.unique(np.asarray([node[1] for node in nodes], dtype="<i8"))
        rows.append((*cluster_key(clusters, number), signature, units.tobytes(), members.tobytes()))
    db.executemany("INSERT INTO span_clusters (doc, start, end, signature, units, docs) VALUES (?, ?, ?, ?, ?, ?)", rows)
