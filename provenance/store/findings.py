"""Recompute boilerplate flags and reuse findings over the whole index, at index scale.

Both depend on every stored article (a line becomes boilerplate when enough articles of
its site repeat it; an earlier-dated article arriving late takes over as origin), so
they are recomputed from stored matches after each scan, in one transaction, rather
than patched per batch. The result depends only on the index's content.

What keeps that cheap as the index grows:

* boilerplate flags are rewritten only where they change;
* edges come out of SQLite in chunks into numpy arrays, and components are labelled
  with scipy's sparse graph routines, not a Python object per edge;
* only clusters spanning two or more articles can hold a finding, so only their units
  (and the segments of their paragraphs) are loaded with shingles: the documents
  table and unmatched units are never read.

The result is exactly :func:`provenance.pipeline.cluster.find_reuses` over every edge
(tested against that in-memory reference).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np
import polars as pl

from provenance.pipeline.cluster import (
    DocKey,
    Finding,
    UnitInfo,
    label_components,
    reuses_in_clusters,
)
from provenance.store.index import Index, decode_shingles

__all__ = ["fill_temp", "refresh"]

_FETCH_ROWS = 100_000

#: ``(left, right) -> (units, labels)``: connected components of the match pairs.
Labeller = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

# A paragraph is repeated boilerplate when its normalised text recurs in enough articles
# of one group: the site (URL host) or the folder the file sits in (scrapers write one
# folder per site, and undated articles have no host).
_FREQUENT = """
WITH keyed AS (
    SELECT p.doc_id, p.idx, p.fingerprint, 's:' || d.site AS grp
    FROM paragraphs AS p JOIN documents AS d ON d.id = p.doc_id
    WHERE p.words BETWEEN 1 AND :max_words AND d.site != ''
    UNION ALL
    SELECT p.doc_id, p.idx, p.fingerprint, 'f:' || rtrim(d.source, replace(d.source, '/', '')) AS grp
    FROM paragraphs AS p JOIN documents AS d ON d.id = p.doc_id
    WHERE p.words BETWEEN 1 AND :max_words
),
frequent AS (
    SELECT grp, fingerprint FROM keyed GROUP BY grp, fingerprint
    HAVING COUNT(DISTINCT doc_id) >= :min_documents
)
SELECT DISTINCT k.doc_id, k.idx FROM keyed AS k
JOIN frequent AS f ON f.grp = k.grp AND f.fingerprint = k.fingerprint
"""
_FLAG = """CASE
    WHEN pattern = 1 AND :patterns THEN 1
    WHEN (doc_id, idx) IN (SELECT doc_id, idx FROM temp.repeated) THEN 2
    ELSE 0 END"""
# Only rows whose flag changes are written: a rescan that changes nothing rewrites nothing.
_MARK = f"UPDATE paragraphs SET boilerplate = {_FLAG} WHERE boilerplate IS NOT {_FLAG}"

_EDGES = """
SELECT m.a, m.b FROM matches AS m
JOIN units AS ua ON ua.id = m.a
JOIN units AS ub ON ub.id = m.b
JOIN paragraphs AS pa ON pa.doc_id = ua.doc_id AND pa.idx = ua.paragraph
JOIN paragraphs AS pb ON pb.doc_id = ub.doc_id AND pb.idx = ub.paragraph
WHERE pa.boilerplate = 0 AND pb.boilerplate = 0
"""


def refresh(index: Index, *, labeller: Labeller = label_components) -> int:
    """Recompute boilerplate and findings; return the number of findings stored.

    ``labeller`` labels the connected components of the match pairs (the contract of
    :func:`~provenance.pipeline.cluster.label_components`, the default; see
    :func:`provenance.execution.engines.component_labeller` for the Dask one).
    """
    boilerplate = index.config.boilerplate
    with index.transaction(findings_current=True) as db:
        db.execute("DROP TABLE IF EXISTS temp.repeated")
        db.execute(
            f"CREATE TEMP TABLE repeated AS {_FREQUENT}",
            {"max_words": boilerplate.max_words, "min_documents": boilerplate.min_documents},
        )
        db.execute(_MARK, {"patterns": int(boilerplate.use_builtin_patterns)})
        findings = compute_findings(db, labeller=labeller)
        db.execute("DELETE FROM reuses")
        db.executemany(
            """INSERT INTO reuses (cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start,
               copy_end, similarity, shared, kind, origin_certain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (f.cluster, f.origin_doc, f.origin_start, f.origin_end, f.copy_doc, f.copy_start, f.copy_end,
                 f.similarity, f.shared, f.kind, int(f.origin_certain))
                for f in findings
            ],
        )
    return len(findings)


def compute_findings(db: sqlite3.Connection, *, labeller: Labeller = label_components) -> list[Finding]:
    """Findings from the stored matches and the current boilerplate flags (no writes);
    ``labeller`` as in :func:`refresh`."""
    left, right = _edges(db)
    units, labels = labeller(left, right)
    if not len(units):
        return []
    meta = fill_temp(db, "edge_units", ["id"], [units.tolist()], "SELECT u.id, u.doc_id, u.start, u.end FROM temp.edge_units AS e JOIN units AS u ON u.id = e.id")
    frame = pl.DataFrame({"unit": units, "label": labels}).join(
        pl.DataFrame(meta, schema={"unit": pl.Int64, "doc": pl.Int64, "start": pl.Int64, "end": pl.Int64}, orient="row"),
        on="unit",
    )
    docs = _doc_keys(db, frame["doc"].unique().to_list())
    ranked = sorted(docs.values(), key=lambda key: (key.order, key.doc))
    rank = pl.DataFrame({"doc": [key.doc for key in ranked], "rank": range(len(ranked))}, schema={"doc": pl.Int64, "rank": pl.Int64})
    # Clusters in numbering order: by their earliest unit (see cluster.unit_order). A
    # cluster inside one article gives no finding, so it is not loaded at all.
    frame = frame.join(rank, on="doc").sort(["label", "rank", "start", "end"])
    clusters = (
        frame.group_by("label", maintain_order=True)
        .agg(pl.col("doc").n_unique().alias("docs"), pl.col("rank").first(), pl.col("start").first(),
             pl.col("end").first(), pl.col("unit"))
        .filter(pl.col("docs") > 1)
        .sort(["rank", "start", "end"])
    )
    wanted = clusters["unit"].explode().to_numpy()
    infos, segments, paragraphs = _load_units(db, wanted)
    groups = [[infos[unit] for unit in members] for members in clusters["unit"].to_list()]
    return reuses_in_clusters(groups, segments, paragraphs, docs)


def _edges(db: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray]:
    cursor = db.execute(_EDGES)
    chunks = [np.zeros((0, 2), dtype=np.int64)]
    while rows := cursor.fetchmany(_FETCH_ROWS):
        chunks.append(np.asarray(rows, dtype=np.int64))
    edges = np.concatenate(chunks)
    return edges[:, 0], edges[:, 1]


def fill_temp(db: sqlite3.Connection, table: str, columns: list[str], values: list[list[int]], query: str) -> list[tuple]:
    """Load ``values`` into ``temp.<table>`` (primary key ``columns``) and run ``query``."""
    db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE {table} ({', '.join(columns)}, PRIMARY KEY ({', '.join(columns)})) WITHOUT ROWID")
    db.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES ({', '.join('?' * len(columns))})", zip(*values))
    return db.execute(query).fetchall()


def _doc_keys(db: sqlite3.Connection, doc_ids: Iterable[int]) -> dict[int, DocKey]:
    rows = fill_temp(db, "edge_docs", ["id"], [sorted(doc_ids)],
                 """SELECT d.id, d.published_us, d.date_only, d.content_hash
                    FROM temp.edge_docs AS e JOIN documents AS d ON d.id = e.id""")
    return {doc: DocKey(doc, published, bool(date_only), content_hash) for doc, published, date_only, content_hash in rows}


def _load_units(
    db: sqlite3.Connection, unit_ids: np.ndarray
) -> tuple[dict[int, UnitInfo], dict[tuple[int, int], list[UnitInfo]], dict[tuple[int, int], tuple[int, int]]]:
    """The units of multi-article clusters with their shingles, the segment units of their
    paragraphs (to report the span reused) and those paragraphs' spans."""
    columns = "u.id, u.doc_id, u.paragraph, u.kind, u.start, u.end, u.shingles"
    rows = fill_temp(db, "cluster_units", ["id"], [sorted(unit_ids.tolist())],
                 f"SELECT {columns} FROM temp.cluster_units AS c JOIN units AS u ON u.id = c.id")
    infos = {row[0]: _unit_info(row) for row in rows}
    places = sorted({(info.doc, info.paragraph) for info in infos.values()})
    segment_rows = fill_temp(
        db, "cluster_paragraphs", ["doc_id", "paragraph"], [[p[0] for p in places], [p[1] for p in places]],
        f"""SELECT {columns} FROM temp.cluster_paragraphs AS c
            JOIN units AS u ON u.doc_id = c.doc_id AND u.paragraph = c.paragraph
            WHERE u.kind = 'segment' ORDER BY u.doc_id, u.paragraph, u.start""",
    )
    segments: dict[tuple[int, int], list[UnitInfo]] = defaultdict(list)
    for row in segment_rows:
        info = infos.get(row[0]) or _unit_info(row)
        segments[(info.doc, info.paragraph)].append(info)
    spans = db.execute(
        """SELECT p.doc_id, p.idx, p.start, p.end FROM temp.cluster_paragraphs AS c
           JOIN paragraphs AS p ON p.doc_id = c.doc_id AND p.idx = c.paragraph"""
    ).fetchall()
    return infos, dict(segments), {(doc, idx): (start, end) for doc, idx, start, end in spans}


def _unit_info(row: tuple) -> UnitInfo:
    unit, doc, paragraph, kind, start, end, blob = row
    return UnitInfo(unit, doc, paragraph, kind, start, end, decode_shingles(blob))
