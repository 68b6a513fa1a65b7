"""Which clusters changed since the last refresh, and which copy paragraphs that touches.

Each cluster (connected component of the span graph, :mod:`provenance.pipeline.spangraph`)
is stored under a stable key, its **earliest member span** ``(doc, start, end)``, with a
**signature** of everything its findings depend on: its spans (unit, article, offsets),
the publication keys and content hashes of its articles, and its match edges with their
matched words. A cluster whose key and signature are both stored is unchanged; every other
current cluster, and every stored cluster not found again, has changed.

A copy article's findings on one of its paragraphs depend on the clusters holding that
paragraph's spans and, through a partial overlap (``SpanGraph.overlapped_sources``: a
span it matched shares a paragraph with a span of another cluster), on the clusters
holding a span of the paragraphs those spans matched; never on its other paragraphs
(regions are chosen per paragraph). So the findings to recompute are those of every
paragraph unit a changed cluster holds (as it is now or as it was) and of every unit
with a span matched to a span of a paragraph a changed cluster holds. That is a
superset of what can have changed: conservative, never wrong. The filters are decided
again for every cluster sharing a paragraph with a changed one.

``cluster_spans`` maps each stored span ``(unit, start, end)`` to its cluster's key, so
an incremental refresh finds the stored clusters of the spans it loaded, or of the units
deleted since, without reading every stored cluster.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from provenance.pipeline.arrays import unique_sorted
from provenance.pipeline.spanclusters import Clusters, origin_certain
from provenance.pipeline.spangraph import DocKey, edges_repr, one_passage

__all__ = ["Changes", "ClusterKey", "Known", "Span", "cluster_key", "cluster_members", "cluster_signature",
           "clusters_of_units", "find_changes", "keys_of_spans", "owners_of_units", "read_whole",
           "store_changes", "stored_units"]

_log = logging.getLogger(__name__)

#: A cluster's stable name: its earliest member span ``(doc, start, end)``.
ClusterKey = tuple[int, int, int]
#: A span: ``(unit, start, end)``.
Span = tuple[int, int, int]


@dataclass(slots=True)
class Known:
    """What a partial read (:class:`~provenance.store.subgraph.Subgraph`) learnt of the
    stored clusters: the spans ``looked_up``, the stored cluster of those that have one,
    and the span count of each cluster read as its spans (``chained``)."""

    looked_up: set[Span] = field(default_factory=set)
    owners: dict[Span, ClusterKey] = field(default_factory=dict)
    chained: dict[ClusterKey, int] = field(default_factory=dict)


@dataclass(slots=True)
class Changes:
    """What a refresh recomputes: ``copy_units`` (the paragraph units whose copy findings
    are rewritten), ``clusters`` (numbers in the current :class:`Clusters` whose findings'
    filters are re-evaluated), ``gone`` (stored cluster keys no longer current as stored) and
    ``changed`` (numbers of current clusters to store anew, with their signatures;
    ``None``: not computed, as the cluster holds a new unit and so differs from any
    stored one)."""

    copy_units: set[int]
    clusters: set[int]
    gone: set[ClusterKey]
    changed: dict[int, int | None]
    #: The changed clusters that only grew, with the stored clusters each holds.
    grown: dict[int, set[ClusterKey]] = field(default_factory=dict)


def cluster_key(clusters: Clusters, number: int) -> ClusterKey:
    """The stored key of cluster ``number`` (1-based)."""
    _, doc, start, end = clusters.keys[number - 1]
    return doc, start, end


def cluster_signature(clusters: Clusters, number: int, docs: dict[int, DocKey]) -> int:
    """A 63-bit digest of what the findings of cluster ``number`` depend on: the ``repr``
    of its sorted spans, its articles' publication keys and its sorted match edges (each
    written from the span the stored match order meets first, so the signatures of
    indexes written before span ids followed the spans' order stay valid). The edges'
    text is made natively: a stock component has hundreds of thousands."""
    graph = clusters.graph
    nodes = sorted(graph.nodes[n] for n in clusters.groups[number - 1])
    members = sorted({node[1] for node in nodes})
    head = repr(nodes) + ", " + repr([(d, docs[d].published_us, docs[d].date_only, docs[d].content_hash) for d in members])
    text = b"(" + head.encode() + b", " + edges_repr(clusters.edge_rows(number)) + b")"
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little") >> 1


def clusters_of_units(db: sqlite3.Connection, ranges: list[tuple[int, int]]) -> set[ClusterKey]:
    """Keys of the stored clusters holding a span of a unit in one of the ``[first, stop)`` ranges."""
    keys: set[ClusterKey] = set()
    for first, stop in ranges:
        keys.update(tuple(row) for row in db.execute(  # type: ignore[misc]
            "SELECT cluster_doc, cluster_start, cluster_end FROM cluster_spans WHERE unit >= ? AND unit < ?",
            (first, stop)))
    return keys


def owners_of_units(db: sqlite3.Connection, units: set[int]) -> dict[Span, ClusterKey]:
    """The stored spans ``(unit, start, end)`` on ``units``, each with its cluster's key."""
    _fill(db, "owned_units", ["unit"], [(unit,) for unit in sorted(units)])
    return {(unit, start, end): (doc, c_start, c_end) for unit, start, end, doc, c_start, c_end in db.execute(
        """SELECT c.unit, c.start, c.end, c.cluster_doc, c.cluster_start, c.cluster_end FROM temp.owned_units AS u
           CROSS JOIN cluster_spans AS c ON c.unit = u.unit""")}


def cluster_members(db: sqlite3.Connection, keys: set[ClusterKey]) -> dict[ClusterKey, list[Span]]:
    """The spans ``(unit, start, end)`` of each stored cluster ``keys``, in span order."""
    found: dict[ClusterKey, list[Span]] = {key: [] for key in keys}
    for span, key in sorted(owners_of_units(db, stored_units(db, keys)).items()):
        if key in found:
            found[key].append(span)
    return found


def stored_units(db: sqlite3.Connection, keys: set[ClusterKey]) -> set[int]:
    """The units of the stored clusters ``keys``."""
    units: set[int] = set()
    for key in sorted(keys):
        row = db.execute("SELECT units FROM span_clusters WHERE doc = ? AND start = ? AND end = ?", key).fetchone()
        if row is not None:
            units.update(np.frombuffer(row[0], dtype="<i8").tolist())
    return units


def find_changes(db: sqlite3.Connection, clusters: Clusters, docs: dict[int, DocKey],
                 candidates: set[ClusterKey] | None = None, lost: set[ClusterKey] | None = None,
                 first_unit: int | None = None, known: Known | None = None) -> Changes:
    """Compare the current clusters with the stored ones (``span_clusters``): all of them,
    or (an incremental refresh over whole components of the graph) the stored clusters
    ``candidates`` and those stored under the key of a current cluster. ``lost``: the
    stored clusters that lost a span since (deleted, or turned boilerplate); a cluster
    not among them that only gained spans is *grown* (see :func:`_grown`). A cluster
    holding a unit ``first_unit`` or later (stored after the last refresh) is changed
    without computing its signature: :func:`store_changes` does when it stores it. A
    cluster without such a unit under a key ``known`` chained (a stored cluster that lost
    no span, read as its spans only) is as stored."""
    if candidates is None:
        stored = {(doc, start, end): signature
                  for doc, start, end, signature in db.execute("SELECT doc, start, end, signature FROM span_clusters")}
    else:
        wanted = candidates | {cluster_key(clusters, number) for number in range(1, len(clusters.groups) + 1)}
        stored = {}
        for key in sorted(wanted):
            row = db.execute("SELECT signature FROM span_clusters WHERE doc = ? AND start = ? AND end = ?",
                             key).fetchone()
            if row is not None:
                stored[key] = row[0]
    graph = clusters.graph
    changed: dict[int, int | None] = {}
    kept: set[ClusterKey] = set()
    for number in range(1, len(clusters.groups) + 1):
        key = cluster_key(clusters, number)
        cached = ("signature", clusters.groups[number - 1][0])
        if first_unit is not None and cached not in graph.cache and any(
                graph.nodes[n][0] >= first_unit for n in clusters.groups[number - 1]):
            changed[number] = None
            continue
        if known is not None and key in known.chained:
            kept.add(key)
            continue
        if cached not in graph.cache:
            graph.cache[cached] = cluster_signature(clusters, number, docs)
        signature = int(graph.cache[cached])  # type: ignore[call-overload]
        if stored.get(key) == signature:
            kept.add(key)
        else:
            changed[number] = signature
    gone = set(stored) - kept
    grown = {} if lost is None else _grown(db, clusters, docs, changed, set(stored) - lost, known or Known())
    copy_units: set[int] = set().union(*(units for units, _ in grown.values()))
    # The stored clusters a grown one holds: what their articles' findings read is redone with it.
    absorbed: set[ClusterKey] = set().union(*(keys for _, keys in grown.values()))
    signatures = {number: changed.pop(number) for number in grown}
    units: set[int] = {graph.nodes[n][0] for number in changed for n in clusters.groups[number - 1]}
    for doc, start, end in gone - absorbed:
        row = db.execute("SELECT units FROM span_clusters WHERE doc = ? AND start = ? AND end = ?",
                         (doc, start, end)).fetchone()
        units.update(np.frombuffer(row[0], dtype="<i8").tolist())
    copy_units.update(units)  # every unit a changed cluster holds, now or as it was stored
    on_units = [n for unit in units for n in graph.by_unit.get(unit, ())]
    touched = {clusters.number_of[n] for n in on_units}
    # A span matched to a span of a changed paragraph may reach a source through a
    # partial overlap there (SpanGraph.overlapped_sources): its paragraph is redone too.
    copy_units.update(graph.nodes[other][0] for n in on_units for other in graph.neighbours(n))
    changed.update(signatures)  # grown clusters are stored anew, and their notices decided again
    touched.update(signatures)
    _log.debug("clusters: %d changed (%d grown), %d gone, %d sharing a paragraph with them; %d copy paragraphs to redo",
               len(changed), len(grown), len(gone), len(touched), len(copy_units))
    return Changes(copy_units, touched, gone, changed, {number: keys for number, (_, keys) in grown.items()})


def read_whole(clusters: Clusters, changes: Changes) -> tuple[list[int], set[ClusterKey]]:
    """The changed clusters whose findings read all their matches: all but those that
    only grew, with their origin's spans one passage (no walk: see
    :meth:`~provenance.pipeline.spangraph.SpanGraph.grown_units`); and the stored
    clusters gone whose matches are read: all but those grown under their key (one
    merged into a grown cluster is read: its spans count as new)."""
    nodes, whole = clusters.graph.nodes, []
    for number in changes.changed:
        group, origin = clusters.groups[number - 1], clusters.keys[number - 1][1]
        if number not in changes.grown or not one_passage([nodes[n] for n in group if nodes[n][1] == origin]):
            whole.append(number)
    return whole, changes.gone - {cluster_key(clusters, number) for number in changes.grown}


def _grown(db: sqlite3.Connection, clusters: Clusters, docs: dict[int, DocKey], changed: dict[int, int | None],
           intact: set[ClusterKey], known: Known) -> dict[int, tuple[set[int], set[ClusterKey]]]:
    """Changed clusters that only gained spans, with the paragraph units whose copy
    findings can change (:meth:`~provenance.pipeline.spangraph.SpanGraph.grown_units`)
    and the keys of the stored clusters they hold.

    A cluster has only grown when it is stored under its current key, lost no span since
    (``intact``), every stored span of it is still in it, and its origin is as certain as
    before. It may have merged other stored clusters, when each is ``intact`` and whole in
    it: their spans count as new (their articles' findings are redone; the cluster keeps
    its key, so its origin was the earliest of them all). Its other articles' findings read
    nothing that changed, so a span reprinted by thousands of articles no longer costs
    thousands of realignments per new copy, nor a new article joining a small cluster to
    such a line's.
    """
    graph = clusters.graph
    todo = [number for number in changed if cluster_key(clusters, number) in intact
            and ("grown", clusters.groups[number - 1][0]) not in graph.cache]
    spans = [(graph.nodes[n][0], graph.nodes[n][2], graph.nodes[n][3]) for number in todo for n in clusters.groups[number - 1]]
    stored = keys_of_spans(db, spans, known)
    for number in todo:  # the stored state does not change during a refresh's loading
        graph.cache[("grown", clusters.groups[number - 1][0])] = _grown_units(db, clusters, docs, number, stored, intact,
                                                                               known)
    grown: dict[int, tuple[set[int], set[ClusterKey]]] = {}
    for number in changed:
        found = graph.cache.get(("grown", clusters.groups[number - 1][0]))
        if cluster_key(clusters, number) in intact and found is not None:
            grown[number] = found  # type: ignore[assignment]
    return grown


def _grown_units(db: sqlite3.Connection, clusters: Clusters, docs: dict[int, DocKey], number: int,
                 stored: dict[tuple[int, int, int], ClusterKey],
                 intact: set[ClusterKey], known: Known) -> tuple[set[int], set[ClusterKey]] | None:
    """The paragraph units to redo and the stored clusters held if cluster ``number``
    only grew (see :func:`_grown`), else ``None``."""
    graph = clusters.graph
    key = cluster_key(clusters, number)
    group = clusters.groups[number - 1]
    owners = [stored.get((graph.nodes[n][0], graph.nodes[n][2], graph.nodes[n][3])) for n in group]
    held = Counter(owner for owner in owners if owner is not None)
    if held[key] == 0 or any(owner not in intact or count != known.chained.get(owner, _span_count(db, owner))
                             for owner, count in held.items()):
        return None
    new = {n for n, owner in zip(group, owners, strict=True) if owner != key}
    if not new:
        return None
    members = [docs[d] for d in sorted({graph.nodes[n][1] for n in group})]
    before = [docs[d] for d in sorted({graph.nodes[n][1] for n in group if n not in new})]
    origin = docs[key[0]]
    if origin_certain(origin, members) != origin_certain(origin, before):
        return None
    return graph.grown_units(new, group, origin.doc, docs), set(held)


def keys_of_spans(db: sqlite3.Connection, spans: list[Span], known: Known | None = None) -> dict[Span, ClusterKey]:
    """The stored cluster of each of ``spans`` that has one (those ``known`` looked up
    already are not looked up again)."""
    known = known or Known()
    _fill(db, "grown_spans", ["unit", "start", "end"], sorted(set(spans) - known.looked_up))
    found = {span: known.owners[span] for span in spans if span in known.owners}
    found.update(((unit, start, end), (doc, c_start, c_end)) for unit, start, end, doc, c_start, c_end in db.execute(
        """SELECT c.unit, c.start, c.end, c.cluster_doc, c.cluster_start, c.cluster_end FROM temp.grown_spans AS s
           CROSS JOIN cluster_spans AS c ON c.unit = s.unit AND c.start = s.start AND c.end = s.end"""))
    return found


def _span_count(db: sqlite3.Connection, key: ClusterKey) -> int:
    """How many spans the stored cluster ``key`` holds."""
    units = stored_units(db, {key})
    _fill(db, "counted_units", ["unit"], [(unit,) for unit in sorted(units)])
    return int(db.execute(
        """SELECT COUNT(*) FROM temp.counted_units AS u CROSS JOIN cluster_spans AS c ON c.unit = u.unit
           WHERE c.cluster_doc = ? AND c.cluster_start = ? AND c.cluster_end = ?""", key).fetchone()[0])


def store_changes(db: sqlite3.Connection, clusters: Clusters, changes: Changes, docs: dict[int, DocKey]) -> None:
    """Replace the stored state of every changed cluster."""
    spans: list[tuple[int, int, int, int]] = []
    for key in sorted(changes.gone):
        spans.extend((unit, *key) for unit in stored_units(db, {key}))
    db.executemany("DELETE FROM cluster_spans WHERE unit = ? AND cluster_doc = ? AND cluster_start = ? AND cluster_end = ?",
                   spans)
    db.executemany("DELETE FROM span_clusters WHERE doc = ? AND start = ? AND end = ?", sorted(changes.gone))
    graph = clusters.graph
    rows = []
    members_of: list[tuple[int, int, int, int, int, int]] = []
    for number, signature in sorted(changes.changed.items()):
        key = cluster_key(clusters, number)
        nodes = [graph.nodes[n] for n in clusters.groups[number - 1]]
        units = unique_sorted(np.asarray([node[0] for node in nodes], dtype="<i8"))
        members = unique_sorted(np.asarray([node[1] for node in nodes], dtype="<i8"))
        if signature is None:
            signature = cluster_signature(clusters, number, docs)
        rows.append((*key, signature, units.tobytes(), members.tobytes()))
        members_of.extend((node[0], node[2], node[3], *key) for node in nodes)
    db.executemany("INSERT INTO span_clusters (doc, start, end, signature, units, docs) VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT OR REPLACE INTO cluster_spans (unit, start, end, cluster_doc, cluster_start, cluster_end) "
                   "VALUES (?, ?, ?, ?, ?, ?)", sorted(members_of))


def _fill(db: sqlite3.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE {table} ({', '.join(columns)}, PRIMARY KEY ({', '.join(columns)})) WITHOUT ROWID")
    db.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES ({', '.join('?' * len(columns))})", rows)
