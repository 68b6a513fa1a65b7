"""Boilerplate flags and reuse findings, brought up to date after each scan.

Both depend on every stored article (a line becomes boilerplate when enough articles of
its site repeat it; an earlier-dated article arriving late takes over as origin), so
they are derived from the stored matches after each scan, in one transaction, rather
than patched per batch. The result depends only on the index's content: it is exactly
:func:`compute_findings` over every edge (tested against it, and against one full scan
for any split of a corpus into arrival batches).

What keeps that cheap as the index grows:

* only what changed since the last refresh is read (:mod:`provenance.store.stale`):
  boilerplate is recounted for the fingerprints of added and deleted paragraphs
  (:mod:`provenance.store.boilerplate`), and the span graph is read outward from the
  units added, deleted or whose flag turned, whole components at a time
  (:mod:`provenance.store.subgraph`); a full refresh reads every edge, in chunks;
* boilerplate flags are rewritten only where they change; components are labelled with
  a native union-find, not a Python object per edge;
* only clusters that gained, lost or changed a member are recomputed, with the copy
  articles they touch (:mod:`provenance.store.clusters`: clusters are stored under a
  stable key with a signature); a cluster that only grew (gaining new spans, or joining
  other stored clusters whole under its own origin) redoes just the articles its new
  spans can reach, not all its members (a stock line reprinted by thousands of
  articles would otherwise realign them all for each new copy); the graph loaded is
  built once and extended as components are added; the stock-phrase and notice filters are decided again
  only where their inputs changed (:mod:`provenance.store.drafts`); every other stored
  finding is left as it is;
* token streams are read only for the clusters recomputed.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Callable, Iterable

import numpy as np

from provenance.config import Config
from provenance.pipeline.arrays import in_sorted, unique_sorted
from provenance.pipeline.cluster import (
    DocKey,
    Finding,
    cluster_findings,
    doc_ranks,
    findings_from_matches,
    label_components,
)
from provenance.pipeline.phrases import is_short, lone_notices, novel_words, stock_windows
from provenance.pipeline.spanclusters import Clusters, graph_clusters, span_clusters
from provenance.pipeline.spangraph import SpanGraph
from provenance.store import unitmatches
from provenance.store.anchorindex import anchor_counts, anchors_of_units
from provenance.store.boilerplate import mark_affected, mark_all
from provenance.store.clusters import (
    Changes,
    ClusterKey,
    cluster_key,
    clusters_of_units,
    find_changes,
    keys_of_spans,
    read_whole,
    store_changes,
    stored_units,
)
from provenance.store.drafts import (
    forget_drafts,
    insert_drafts,
    numbers_before,
    recheck_notices,
    recheck_stock,
    renumber,
    sync_reuses,
)
from provenance.store.index import Index
from provenance.store.passages import Texts, Units, fill_temp, read_streams
from provenance.store.schema import DOCUMENT_KEYS_INDEX, UNIT_PLACES_INDEX, index_hint
from provenance.store.stale import Stale, since_last_refresh
from provenance.store.stale import clear as clear_stale
from provenance.store.subgraph import Subgraph

__all__ = ["compute_findings", "refresh"]

_log = logging.getLogger(__name__)
_FETCH_ROWS = 100_000
#: Copy articles whose drafts are made together (see ``_redo_drafts``).
_COPY_CHUNK = 4096
#: Meta key marking the stored drafts and cluster state as a base for incremental refreshes.
_STATE = "findings_state"
_STATE_VERSION = "1"

#: ``(left, right) -> (units, labels)``: connected components of the match pairs.
Labeller = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_MATCHES = """
SELECT m.a, ua.doc_id, m.a_start, m.a_end, m.b, ub.doc_id, m.b_start, m.b_end, m.matched FROM matches AS m
JOIN units AS ua ON ua.id = m.a
JOIN units AS ub ON ub.id = m.b
JOIN paragraphs AS pa ON pa.doc_id = ua.doc_id AND pa.idx = ua.paragraph
JOIN paragraphs AS pb ON pb.doc_id = ub.doc_id AND pb.idx = ub.paragraph
WHERE pa.boilerplate = 0 AND pb.boilerplate = 0
ORDER BY m.a, m.b, m.a_start, m.b_start
"""
#: Article and boilerplate flag of the units in ``temp.match_unit_info``.
_UNIT_INFO = """SELECT u.id, u.doc_id, p.boilerplate FROM temp.match_unit_info AS w CROSS JOIN units AS u {places} ON u.id = w.id
                JOIN paragraphs AS p ON p.doc_id = u.doc_id AND p.idx = u.paragraph"""


def refresh(index: Index, *, labeller: Labeller = label_components, full: bool = False) -> int:
    """Recompute boilerplate and the findings that can have changed since the last
    refresh; return the number of findings stored.

    Only what the articles added and deleted since the last refresh touch is read
    (:mod:`provenance.store.stale`): the boilerplate groups of their paragraphs, the
    span graph's components holding their units (:mod:`provenance.store.subgraph`) and
    those the copy articles of the changed clusters need; only clusters that gained,
    lost or changed a member are recomputed, with the copy articles they touch
    (:mod:`provenance.store.clusters`), and every other stored finding is left as it is.
    ``full`` (or an index whose stored state is missing, as after a migration) reads
    and recomputes everything. Either way the stored findings are what
    :func:`compute_findings` gives over the whole index.

    ``labeller`` labels the connected components of the span graph (the contract of
    :func:`~provenance.pipeline.cluster.label_components`, the default; see
    :func:`provenance.execution.engines.component_labeller` for the Dask one).
    """
    with index.transaction(findings_current=True) as db:
        stale = None if full or index.meta(_STATE) != _STATE_VERSION else since_last_refresh(db)
        if stale is None:
            mark_all(db, index.config.boilerplate)
            for table in ("reuses", "finding_drafts", "draft_anchors", "span_clusters", "cluster_spans"):
                db.execute(f"DELETE FROM {table}")
            _update_findings(db, index.config, labeller, None, keep_state=True, defer_numbers=index.throwaway)
        else:
            flipped = mark_affected(db, index.config.boilerplate, stale.first_doc)
            _update_findings(db, index.config, labeller, _affected(db, stale, flipped), keep_state=not index.throwaway,
                             defer_numbers=index.throwaway)
        clear_stale(db, index.matched_through)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_STATE, _STATE_VERSION))
    return index.findings_count()


@dataclasses.dataclass(slots=True)
class _Affected:
    """Where an incremental refresh starts: ``units`` whose components it loads and the
    stored clusters ``keys`` that lost a span (deleted, or turned boilerplate)."""

    units: set[int]
    keys: set[ClusterKey]
    anchors: np.ndarray
    first_unit: int
    deleted: bool  # articles went since: their findings left by cascade, unseen by renumbering


def _affected(db: sqlite3.Connection, stale: Stale, flipped: list[tuple[int, int]]) -> _Affected:
    """Units matched since the last refresh, units of paragraphs whose boilerplate flag
    turned, and every unit of a stored cluster that lost a span."""
    units = {unit for pair in db.execute("SELECT a, b FROM matches WHERE b >= ?", (stale.first_unit,)) for unit in pair}
    turned = [row[0] for row in fill_temp(
        db, "flipped_paragraphs", ["doc_id", "idx"], [[doc for doc, _ in flipped], [idx for _, idx in flipped]],
        """SELECT u.id FROM temp.flipped_paragraphs AS f CROSS JOIN units AS u ON u.doc_id = f.doc_id
           WHERE u.paragraph = f.idx AND u.kind = 'paragraph'""")]
    units.update(turned)
    keys = clusters_of_units(db, stale.deleted + [(unit, unit + 1) for unit in turned])
    units |= stored_units(db, keys)
    return _Affected(units, keys, anchors_of_units(db, [(stale.first_unit, 1 << 62), *stale.deleted]), stale.first_unit,
                     bool(stale.deleted))


def _update_findings(db: sqlite3.Connection, config: Config, labeller: Labeller, affected: _Affected | None, *,
                     keep_state: bool, defer_numbers: bool = False) -> None:
    """Bring the stored drafts, marks, ``reuses`` and cluster state up to date: over the
    whole index (``affected`` is ``None``) or over the components it reaches. Without
    ``keep_state`` (an index thrown away after this refresh) the cluster state, which
    only later refreshes read, is not stored; with ``defer_numbers`` (the same) numbering
    every cluster again is left to the readers of a few rows
    (:func:`~provenance.store.drafts.renumber`)."""
    if affected is None:
        matches = _stored_matches(db)
        docs = _doc_keys(db, _docs_of(matches))
        clusters = span_clusters(matches, docs, labeller)
        changes = find_changes(db, clusters, docs)
        copy_units = None  # every draft was deleted: all are made again
    else:
        clusters, docs, changes = _grow(db, labeller, affected, partial=not keep_state)
        copy_units = changes.copy_units
    _recompute(db, config, clusters, docs, changes, copy_units, None if affected is None else affected.anchors,
               renumber_touched=affected is not None and not affected.deleted, defer_numbers=defer_numbers)
    if keep_state:
        store_changes(db, clusters, changes, docs)


def _grow(db: sqlite3.Connection, labeller: Labeller, affected: _Affected,
          partial: bool = False) -> tuple[Clusters, dict[int, DocKey], Changes]:
    """Load components until they hold everything the changed clusters' copy paragraphs
    need (:func:`~provenance.pipeline.cluster.cluster_findings`: every cluster of such a
    paragraph, and every span of a paragraph its spans matched, for partial overlaps),
    and compare them with the stored state.

    ``partial`` (a throwaway refresh: no grown cluster's signature is stored): a stored
    cluster that only grew is read as its spans, with the matches of the units redone,
    of paragraphs with partly overlapping spans and of clusters that need them all
    (:func:`~provenance.store.clusters.read_whole`): a stock line is not read whole."""
    graph = Subgraph(db, affected.keys if partial else None)
    graph.grow(affected.units)
    spans, docs = SpanGraph([]), dict[int, DocKey]()
    clusters, changes = _compare(db, graph, spans, docs, labeller, affected)
    seeded: set[int] = set()
    while True:
        nodes = clusters.graph.nodes
        whole, gone = read_whole(clusters, changes) if partial else (changes.changed, changes.gone)
        wanted = stored_units(db, gone)
        wanted.update(nodes[n][0] for number in whole for n in clusters.groups[number - 1])
        copy_units = changes.copy_units - seeded
        seeded |= copy_units
        grew = graph.grow(wanted | copy_units)
        if partial:
            grew = graph.grow({nodes[n][0] for n in clusters.graph.partly}) | grew
            grew = graph.cover(graph.partner_units(copy_units)) | grew
        elif graph.grow(graph.partner_units(copy_units)):
            grew = True
        if not grew:
            break
        clusters, changes = _compare(db, graph, spans, docs, labeller, affected)
    _log.debug("refresh: %d match rows read over %d units; %d spans in %d clusters",
               graph.rows_read, len(graph.units_read), len(clusters.graph.nodes), len(clusters.groups))
    return clusters, docs, changes


def _compare(db: sqlite3.Connection, graph: Subgraph, spans: SpanGraph, docs: dict[int, DocKey], labeller: Labeller,
             affected: _Affected) -> tuple[Clusters, Changes]:
    """The clusters of the components loaded, and how they differ from the stored ones;
    ``spans`` and ``docs`` are extended with the components loaded since the last call."""
    matches = graph.matches()
    docs.update(_doc_keys(db, [doc for doc in _docs_of(matches) if doc not in docs]))
    if graph.partial:  # every row so far: rows read since may lie within components met
        spans = SpanGraph(matches)
    else:
        spans.add(matches)
    clusters = graph_clusters(spans, docs, labeller)
    lost = affected.keys
    known = graph.known if graph.partial else None
    keys = lost | set(keys_of_spans(db, [(node[0], node[2], node[3]) for node in clusters.graph.nodes], known).values())
    return clusters, find_changes(db, clusters, docs, keys, lost, affected.first_unit, known)


def _recompute(db: sqlite3.Connection, config: Config, clusters: Clusters, docs: dict[int, DocKey], changes: Changes,
               copy_units: set[int] | None, anchors: np.ndarray | None, *, renumber_touched: bool,
               defer_numbers: bool = False) -> None:
    """Redo the copy drafts on the paragraph units ``copy_units`` (``None``: every draft,
    none being stored), decide the marks again where their inputs changed (``anchors``:
    those whose counts can have changed; ``None``: any), and number the clusters (only
    the touched ones' rows when ``renumber_touched``)."""
    if copy_units is None:
        copies, old = set(docs), []
    else:
        # A draft's copy span lies inside its paragraph: the unit's drafts are the
        # article's drafts within the unit's offsets.
        places = index_hint(db, UNIT_PLACES_INDEX)
        old = fill_temp(db, "refreshed_units", ["id"], [sorted(copy_units)],
                        f"""SELECT f.id, f.cluster_doc, f.cluster_start, f.cluster_end FROM temp.refreshed_units AS r
                           CROSS JOIN units AS u {places} ON u.id = r.id CROSS JOIN finding_drafts AS f ON f.copy_doc = u.doc_id
                           WHERE f.copy_start >= u.start AND f.copy_end <= u.end""")
        copies = {doc for (doc,) in db.execute(
            f"SELECT DISTINCT u.doc_id FROM temp.refreshed_units AS r CROSS JOIN units AS u {places} ON u.id = r.id")}
    forget_drafts(db, [row[0] for row in old])
    _fill_ids(db, "refreshed_copies", copies)
    new, drafted = _redo_drafts(db, config, clusters, docs, sorted(copies & docs.keys()), copy_units)
    texts = Texts(db)
    flipped = recheck_stock(db, set(new), texts, config, anchors)
    keys = {(row[1], row[2], row[3]) for row in old} | changes.gone | {cluster_key(clusters, n) for n in changes.clusters}
    keys.update(tuple(row) for row in db.execute(
        """SELECT f.cluster_doc, f.cluster_start, f.cluster_end FROM temp.refreshed_copies AS c
           JOIN finding_drafts AS f ON f.copy_doc = c.id OR f.origin_doc = c.id"""))
    flipped |= recheck_notices(db, keys, config)
    synced = [row[0] for row in old] + new + sorted(flipped)
    keys_of = {row[0]: (row[1], row[2], row[3]) for row in old}
    keys_of.update((row[0], tuple(row[1:])) for row in fill_temp(
        db, "flipped_drafts", ["id"], [sorted(flipped)],
        "SELECT f.id, f.cluster_doc, f.cluster_start, f.cluster_end FROM temp.flipped_drafts AS d JOIN finding_drafts AS f ON f.id = d.id"))
    before = numbers_before(db, keys_of)
    sync_reuses(db, synced)
    touched = set(keys_of.values()) | drafted
    renumber(db, touched if renumber_touched else None, before, defer=defer_numbers)


def _redo_drafts(db: sqlite3.Connection, config: Config, clusters: Clusters, docs: dict[int, DocKey], copies: list[int],
                 copy_units: set[int] | None) -> tuple[list[int], set[ClusterKey]]:
    """Make and store the drafts of the copy articles ``copies`` (sorted ids) on
    ``copy_units``; their ids in order, and their clusters' keys.

    :data:`_COPY_CHUNK` articles at a time, each chunk with its own texts and the token
    streams of its clusters (those a chunk shares with the next are kept): a first scan of
    100k articles held those of its ~60k copy articles at once.
    A copy's drafts depend only on its own clusters, and drafts come out by copy article
    (see :func:`~provenance.pipeline.cluster.cluster_findings`), so chunks taken in
    article order give the drafts, and the ids, of one pass."""
    new: list[int] = []
    keys: set[ClusterKey] = set()
    units, rank = Units(db), doc_ranks(docs)
    for start in range(0, len(copies), _COPY_CHUNK):
        chunk = set(copies[start : start + _COPY_CHUNK])
        texts = Texts(db)
        wanted = clusters.stream_units(chunk, copy_units)
        units.retain(wanted)  # a widely reprinted line's streams stay for the next chunk
        units.prefetch(wanted)
        findings = cluster_findings(clusters, docs, units, units.spans, texts, config, chunk, copy_units, rank)
        drafts = [(cluster_key(clusters, f.cluster), f) for f in findings]
        new += insert_drafts(db, drafts, texts, config)
        keys.update(key for key, _ in drafts)
    return new, keys


def _stored_matches(db: sqlite3.Connection) -> np.ndarray:
    """What :func:`_read_matches` reads, from the units' match blobs
    (:func:`~provenance.store.unitmatches.every_match`) and one lookup of their units:
    ~2 s of a full refresh at 100k articles where the join took 5-7 s (a tuple per row)."""
    rows = unitmatches.every_match(db)
    units = unique_sorted(rows[:, [0, 3]])
    info = np.asarray(fill_temp(db, "match_unit_info", ["id"], [units.tolist()],
                                _UNIT_INFO.format(places=index_hint(db, UNIT_PLACES_INDEX))), dtype=np.int64)
    info = info.reshape(-1, 3)
    live = info[info[:, 2] == 0]
    live = live[np.argsort(live[:, 0])]
    rows = rows[in_sorted(rows[:, 0], live[:, 0]) & in_sorted(rows[:, 3], live[:, 0])]
    docs_a, docs_b = (live[np.searchsorted(live[:, 0], rows[:, side]), 1] for side in (0, 3))
    return np.column_stack([rows[:, :1], docs_a, rows[:, 1:4], docs_b, rows[:, 4:]])


def _read_matches(db: sqlite3.Connection) -> np.ndarray:
    """Every live match as ``(m, 9)`` rows in :class:`SpanMatch`'s field order, read in
    chunks from the ``matches`` table (the reference :func:`compute_findings` reads)."""
    cursor = db.execute(_MATCHES)
    chunks = [np.zeros((0, 9), dtype=np.int64)]
    while rows := cursor.fetchmany(_FETCH_ROWS):
        chunks.append(np.array(rows, dtype=np.int64))
    return np.concatenate(chunks)


def _docs_of(matches: np.ndarray) -> list[int]:
    """The articles of both sides of match rows."""
    return unique_sorted(matches[:, [1, 5]]).tolist()  # type: ignore[no-any-return]


def _fill_ids(db: sqlite3.Connection, table: str, ids: set[int]) -> None:
    db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)")
    db.executemany(f"INSERT INTO temp.{table} VALUES (?)", [(i,) for i in sorted(ids)])


def compute_findings(db: sqlite3.Connection, config: Config, *, labeller: Labeller = label_components) -> list[Finding]:
    """Findings from the stored matches and the current boilerplate flags (no writes);
    ``labeller`` as in :func:`refresh`."""
    matches = _read_matches(db)
    if not len(matches):
        return []
    units = unique_sorted(matches[:, [0, 4]])
    streams = read_streams(db, units)
    paragraphs = {unit: (start, end) for unit, start, end in fill_temp(
        db, "match_units", ["id"], [units.tolist()],
        f"SELECT u.id, u.start, u.end FROM temp.match_units AS w JOIN units AS u {index_hint(db, UNIT_PLACES_INDEX)} "
        "ON u.id = w.id")}
    docs = _doc_keys(db, _docs_of(matches))
    texts = Texts(db)
    findings = findings_from_matches(matches, docs, streams, paragraphs, texts, config, labeller)
    return _without_stock_phrases(db, findings, texts, config)


def _without_stock_phrases(db: sqlite3.Connection, findings: list[Finding], texts: Texts,
                           config: Config) -> list[Finding]:
    """Drop short findings made only of widely used phrases and notices shared across
    outlets (see pipeline/phrases.py); cluster numbers stay dense."""
    short = {i: stock_windows(texts(f.copy_doc), f.copy_start, f.copy_end, config)
             for i, f in enumerate(findings) if is_short(f.matched, config)}
    dropped: set[int] = set()
    if short:
        counts = anchor_counts(db, unique_sorted(np.concatenate([w.all_anchors() for w in short.values()])))
        novel = {i: novel_words(findings[i].matched, windows, counts, config) for i, windows in short.items()}
        dropped = {i for i, words in novel.items() if words is not None and words < config.segment.min_words}
    dropped |= lone_notices(findings, config)
    if not dropped:
        return findings
    kept = [f for i, f in enumerate(findings) if i not in dropped]
    numbers = {old: new for new, old in enumerate(sorted({f.cluster for f in kept}), start=1)}
    return [dataclasses.replace(f, cluster=numbers[f.cluster]) for f in kept]


def _doc_keys(db: sqlite3.Connection, doc_ids: Iterable[int]) -> dict[int, DocKey]:
    rows = fill_temp(db, "edge_docs", ["id"], [sorted(doc_ids)],
                 f"""SELECT d.id, d.published_us, d.date_only, d.content_hash
                     FROM temp.edge_docs AS e JOIN documents AS d {index_hint(db, DOCUMENT_KEYS_INDEX)} ON d.id = e.id""")
    return {doc: DocKey(doc, published, bool(date_only), content_hash) for doc, published, date_only, content_hash in rows}
