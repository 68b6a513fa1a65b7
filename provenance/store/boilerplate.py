"""Boilerplate flags of stored paragraphs: built-in patterns and repeated short lines.

A short paragraph is repeated boilerplate when its normalised text (its fingerprint)
recurs in enough articles of one group: the site (URL host) or the folder the file sits
in (scrapers write one folder per site, and undated articles have no host). Flags:
0 none, 1 a built-in pattern, 2 repeated.

A paragraph's flag depends only on its own pattern and on the counts of its
``(group, fingerprint)`` pairs, and a count changes only when a paragraph with that
fingerprint arrives or goes. So after a scan :func:`mark_affected` recounts only the
fingerprints of new and deleted documents (``paragraphs_fingerprint`` index) and
rewrites only the flags that change; :func:`mark_all` recounts everything.
"""

from __future__ import annotations

import sqlite3

from provenance.config import BoilerplateConfig

__all__ = ["mark_affected", "mark_all"]

_KEYED = """
SELECT p.doc_id, p.idx, p.fingerprint, 's:' || d.site AS grp
FROM {source} JOIN documents AS d ON d.id = p.doc_id
WHERE p.words BETWEEN 1 AND :max_words AND d.site != ''
UNION ALL
SELECT p.doc_id, p.idx, p.fingerprint, 'f:' || rtrim(d.source, replace(d.source, '/', '')) AS grp
FROM {source} JOIN documents AS d ON d.id = p.doc_id
WHERE p.words BETWEEN 1 AND :max_words
"""
#: The frequent pairs as an ``IN`` list, which SQLite looks rows up in: joined to them
#: as a table it scanned both for every row (10.4 s instead of 1.2 s for the 384k rows
#: 1,000 new articles give at 100k articles).
_REPEATED = """
CREATE TEMP TABLE repeated AS
SELECT DISTINCT k.doc_id, k.idx FROM temp.keyed AS k
WHERE (k.grp, k.fingerprint) IN (SELECT grp, fingerprint FROM temp.keyed GROUP BY grp, fingerprint
                                 HAVING COUNT(DISTINCT doc_id) >= :min_documents)
"""


def _flag(table: str = "") -> str:
    return f"""CASE
    WHEN {table}pattern = 1 AND :patterns THEN 1
    WHEN ({table}doc_id, {table}idx) IN (SELECT doc_id, idx FROM temp.repeated) THEN 2
    ELSE 0 END"""


_FLAG = _flag()
# Only rows whose flag changes are written: a rescan that changes nothing rewrites nothing.
_MARK = f"UPDATE paragraphs SET boilerplate = {_FLAG} WHERE boilerplate IS NOT {_FLAG}"


def _params(config: BoilerplateConfig) -> dict[str, int]:
    return {"max_words": config.max_words, "min_documents": config.min_documents,
            "patterns": int(config.use_builtin_patterns)}


def _repeated(db: sqlite3.Connection, source: str, params: dict[str, int]) -> None:
    for table in ("keyed", "repeated"):
        db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE keyed AS {_KEYED.format(source=source)}", params)
    db.execute(_REPEATED, params)


def mark_all(db: sqlite3.Connection, config: BoilerplateConfig) -> None:
    """Recount every group and set every paragraph's flag."""
    params = _params(config)
    _repeated(db, "paragraphs AS p", params)
    db.execute(_MARK, params)


def mark_affected(db: sqlite3.Connection, config: BoilerplateConfig, first_doc: int) -> list[tuple[int, int]]:
    """Set the flags of documents ``first_doc`` and later and of every paragraph sharing
    a fingerprint with them or with a deleted one (``stale_fingerprints``); the
    ``(doc_id, idx)`` whose flag turned from zero to non-zero or back."""
    params = {**_params(config), "first_doc": first_doc}
    db.execute("DROP TABLE IF EXISTS temp.affected_fingerprints")
    db.execute("CREATE TEMP TABLE affected_fingerprints (fingerprint INTEGER PRIMARY KEY)")
    db.execute("INSERT OR IGNORE INTO temp.affected_fingerprints SELECT fingerprint FROM stale_fingerprints")
    db.execute("""INSERT OR IGNORE INTO temp.affected_fingerprints SELECT fingerprint FROM paragraphs
                  WHERE doc_id >= :first_doc AND words BETWEEN 1 AND :max_words""", params)
    _repeated(db, "temp.affected_fingerprints AS f CROSS JOIN paragraphs AS p ON p.fingerprint = f.fingerprint", params)
    db.execute("DROP TABLE IF EXISTS temp.flag_candidates")
    db.execute("CREATE TEMP TABLE flag_candidates (doc_id INTEGER, idx INTEGER, PRIMARY KEY (doc_id, idx)) WITHOUT ROWID")
    db.execute("INSERT OR IGNORE INTO temp.flag_candidates SELECT doc_id, idx FROM temp.keyed")
    db.execute("INSERT OR IGNORE INTO temp.flag_candidates SELECT doc_id, idx FROM paragraphs WHERE doc_id >= :first_doc",
               params)
    rows = db.execute(
        f"""SELECT p.doc_id, p.idx, p.boilerplate, {_flag("p.")} FROM temp.flag_candidates AS c
            CROSS JOIN paragraphs AS p ON p.doc_id = c.doc_id AND p.idx = c.idx
            WHERE p.boilerplate IS NOT {_flag("p.")}""", params).fetchall()
    db.executemany("UPDATE paragraphs SET boilerplate = ? WHERE doc_id = ? AND idx = ?",
                   [(flag, doc, idx) for doc, idx, _, flag in rows])
    return [(doc, idx) for doc, idx, old, flag in rows if (old == 0) != (flag == 0)]
