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

import dataclasses
import sqlite3
import zlib
from collections.abc import Callable, Iterable

import numpy as np

from provenance.config import Config
from provenance.errors import SchemaError
from provenance.pipeline.anchors import TokenStream, decode_tokens
from provenance.pipeline.cluster import (
    DocKey,
    Finding,
    SpanMatch,
    findings_from_matches,
    label_components,
)
from provenance.pipeline.phrases import is_short, lone_notices, novel_words, stock_windows
from provenance.store.index import Index
from provenance.store.keyruns import anchor_counts

__all__ = ["compute_findings", "fill_temp", "read_streams", "refresh"]

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

_MATCHES = """
SELECT m.a, ua.doc_id, m.a_start, m.a_end, m.b, ub.doc_id, m.b_start, m.b_end, m.matched FROM matches AS m
JOIN units AS ua ON ua.id = m.a
JOIN units AS ub ON ub.id = m.b
JOIN paragraphs AS pa ON pa.doc_id = ua.doc_id AND pa.idx = ua.paragraph
JOIN paragraphs AS pb ON pb.doc_id = ub.doc_id AND pb.idx = ub.paragraph
WHERE pa.boilerplate = 0 AND pb.boilerplate = 0
ORDER BY m.a, m.b, m.a_start, m.b_start
"""


def refresh(index: Index, *, labeller: Labeller = label_components) -> int:
    """Recompute boilerplate and findings; return the number of findings stored.

    ``labeller`` labels the connected components of the span graph (the contract of
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
        findings = compute_findings(db, index.config, labeller=labeller)
        db.execute("DELETE FROM reuses")
        db.executemany(
            """INSERT INTO reuses (cluster, origin_doc, origin_start, origin_end, copy_doc, copy_start,
               copy_end, similarity, shared, kind, origin_certain, jaccard, containment, matched)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (f.cluster, f.origin_doc, f.origin_start, f.origin_end, f.copy_doc, f.copy_start, f.copy_end,
                 f.similarity, f.shared, f.kind, int(f.origin_certain), f.jaccard, f.containment, f.matched)
                for f in findings
            ],
        )
    return len(findings)


def compute_findings(db: sqlite3.Connection, config: Config, *, labeller: Labeller = label_components) -> list[Finding]:
    """Findings from the stored matches and the current boilerplate flags (no writes);
    ``labeller`` as in :func:`refresh`."""
    cursor = db.execute(_MATCHES)
    matches: list[SpanMatch] = []
    while rows := cursor.fetchmany(_FETCH_ROWS):
        matches.extend(SpanMatch(*row) for row in rows)
    if not matches:
        return []
    units = sorted({m.a for m in matches} | {m.b for m in matches})
    streams = read_streams(db, np.asarray(units, dtype=np.int64))
    paragraphs = {unit: (start, end) for unit, start, end in fill_temp(
        db, "match_units", ["id"], [units], "SELECT u.id, u.start, u.end FROM temp.match_units AS w JOIN units AS u ON u.id = w.id")}
    docs = _doc_keys(db, {m.a_doc for m in matches} | {m.b_doc for m in matches})
    texts = _Texts(db)
    findings = findings_from_matches(matches, docs, streams, paragraphs, texts, config, labeller)
    return _without_stock_phrases(db, findings, texts, config)


def _without_stock_phrases(db: sqlite3.Connection, findings: list[Finding], texts: _Texts,
                           config: Config) -> list[Finding]:
    """Drop short findings made only of widely used phrases and notices shared across
    outlets (see pipeline/phrases.py); cluster numbers stay dense."""
    short = {i: stock_windows(texts(f.copy_doc), f.copy_start, f.copy_end, config)
             for i, f in enumerate(findings) if is_short(f.matched, config)}
    dropped: set[int] = set()
    if short:
        counts = anchor_counts(db, np.unique(np.concatenate([w.all_anchors() for w in short.values()])))
        novel = {i: novel_words(findings[i].matched, windows, counts, config) for i, windows in short.items()}
        dropped = {i for i, words in novel.items() if words is not None and words < config.segment.min_words}
    dropped |= lone_notices(findings, config)
    if not dropped:
        return findings
    kept = [f for i, f in enumerate(findings) if i not in dropped]
    numbers = {old: new for new, old in enumerate(sorted({f.cluster for f in kept}), start=1)}
    return [dataclasses.replace(f, cluster=numbers[f.cluster]) for f in kept]


def read_streams(db: sqlite3.Connection, unit_ids: np.ndarray) -> dict[int, TokenStream]:
    """Token streams of the given paragraph units (those that have one)."""
    rows = fill_temp(db, "wanted_units", ["id"], [np.asarray(unit_ids).tolist()],
                     """SELECT u.id, u.tokens FROM temp.wanted_units AS w JOIN units AS u ON u.id = w.id
                        WHERE u.tokens IS NOT NULL""")
    streams: dict[int, TokenStream] = {}
    for unit, blob in rows:
        try:
            streams[unit] = decode_tokens(blob)
        except ValueError as exc:
            raise SchemaError(f"unit {unit}: {exc}; rebuild the index with a fresh --index") from exc
    return streams


class _Texts:
    """Article texts on demand, each decompressed once."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._cache: dict[int, str] = {}

    def __call__(self, doc: int) -> str:
        if doc not in self._cache:
            row = self._db.execute("SELECT text FROM documents WHERE id = ?", (doc,)).fetchone()
            self._cache[doc] = zlib.decompress(row[0]).decode("utf-8", "surrogatepass") if row else ""
        return self._cache[doc]


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
