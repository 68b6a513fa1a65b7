"""Recompute boilerplate flags and reuse findings over the whole index.

Both depend on every stored article (a line becomes boilerplate when enough articles of
its site repeat it; an earlier-dated article arriving late takes over as origin), so
they are recomputed from stored matches after each scan, in one transaction, rather
than patched per batch. The result depends only on the index's content.
"""

from __future__ import annotations

from collections import defaultdict

from provenance.pipeline.cluster import DocKey, UnitInfo, find_reuses
from provenance.store.index import Index, decode_shingles

__all__ = ["refresh"]

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
_MARK = """
UPDATE paragraphs SET boilerplate = CASE
    WHEN pattern = 1 AND :patterns THEN 1
    WHEN (doc_id, idx) IN (SELECT doc_id, idx FROM temp.repeated) THEN 2
    ELSE 0 END
"""

_EDGES = """
SELECT m.a, m.b FROM matches AS m
JOIN units AS ua ON ua.id = m.a
JOIN units AS ub ON ub.id = m.b
JOIN paragraphs AS pa ON pa.doc_id = ua.doc_id AND pa.idx = ua.paragraph
JOIN paragraphs AS pb ON pb.doc_id = ub.doc_id AND pb.idx = ub.paragraph
WHERE pa.boilerplate = 0 AND pb.boilerplate = 0
"""


def refresh(index: Index) -> int:
    """Recompute boilerplate and findings; return the number of findings stored."""
    boilerplate = index.config.boilerplate
    with index.transaction() as db:
        db.execute("DROP TABLE IF EXISTS temp.repeated")
        db.execute(
            f"CREATE TEMP TABLE repeated AS {_FREQUENT}",
            {"max_words": boilerplate.max_words, "min_documents": boilerplate.min_documents},
        )
        db.execute(_MARK, {"patterns": int(boilerplate.use_builtin_patterns)})
        edges = db.execute(_EDGES).fetchall()
        units, segments, paragraphs, docs = _load_context(index, {u for edge in edges for u in edge})
        findings = find_reuses(edges, units, segments, paragraphs, docs)
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


def _load_context(
    index: Index, unit_ids: set[int]
) -> tuple[dict[int, UnitInfo], dict[tuple[int, int], list[UnitInfo]], dict[tuple[int, int], tuple[int, int]], dict[int, DocKey]]:
    db = index.connection
    db.execute("CREATE TEMP TABLE IF NOT EXISTS edge_units (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.edge_units")
    db.executemany("INSERT INTO temp.edge_units VALUES (?)", [(u,) for u in unit_ids])
    units: dict[int, UnitInfo] = {}
    segments: dict[tuple[int, int], list[UnitInfo]] = defaultdict(list)
    rows = db.execute(
        """SELECT u.id, u.doc_id, u.paragraph, u.kind, u.start, u.end, u.shingles FROM units AS u
           WHERE u.id IN (SELECT id FROM temp.edge_units)
              OR (u.kind = 'segment' AND EXISTS (SELECT 1 FROM units AS e
                  WHERE e.id IN (SELECT id FROM temp.edge_units)
                  AND e.doc_id = u.doc_id AND e.paragraph = u.paragraph))
           ORDER BY u.doc_id, u.paragraph, u.start"""
    )
    for unit_id, doc, paragraph, kind, start, end, blob in rows:
        info = UnitInfo(unit_id, doc, paragraph, kind, start, end, decode_shingles(blob))
        if unit_id in unit_ids:
            units[unit_id] = info
        if kind == "segment":
            segments[(doc, paragraph)].append(info)
    doc_ids = {u.doc for u in units.values()}
    paragraphs = {
        (doc, idx): (start, end)
        for doc, idx, start, end in db.execute(
            "SELECT p.doc_id, p.idx, p.start, p.end FROM paragraphs AS p WHERE p.doc_id IN (SELECT DISTINCT doc_id FROM units WHERE id IN (SELECT id FROM temp.edge_units))"
        )
        if doc in doc_ids
    }
    docs = {
        doc: DocKey(doc, published, bool(date_only), content_hash)
        for doc, published, date_only, content_hash in db.execute(
            "SELECT id, published_us, date_only, content_hash FROM documents"
        )
        if doc in doc_ids
    }
    return units, dict(segments), paragraphs, docs
