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

When articles only arrived (nothing deleted since the last refresh), counts only grow,
so an old paragraph's flag changes only where one of its pairs reaches the threshold
with the new articles: then it had fewer than ``min_documents`` old articles, found by
counting up to the threshold (a stock line's pair, met in thousands of articles, stops
after a few rows). Only the new articles' pairs are counted that way, not every
article holding their fingerprints.
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
    if db.execute("SELECT 1 FROM stale_fingerprints LIMIT 1").fetchone() is None:
        return _mark_arrivals(db, config, first_doc)
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


_NEW_PARAGRAPHS = """
SELECT p.doc_id, p.idx, p.fingerprint, p.pattern, p.words BETWEEN 1 AND :max_words,
       d.site, rtrim(d.source, replace(d.source, '/', ''))
FROM paragraphs AS p JOIN documents AS d ON d.id = p.doc_id WHERE p.doc_id >= :first_doc
"""
#: Old articles of a group holding a short paragraph with a fingerprint, counted up to ``:limit``.
_OLD_IN_GROUP = """
SELECT COUNT(*) FROM (SELECT DISTINCT p.doc_id FROM paragraphs AS p JOIN documents AS d ON d.id = p.doc_id
                      WHERE p.fingerprint = :fingerprint AND p.doc_id < :first_doc AND p.words BETWEEN 1 AND :max_words
                      AND {group} LIMIT :limit)
"""
_OLD_PARAGRAPHS = """
SELECT p.doc_id, p.idx, p.pattern, p.boilerplate FROM paragraphs AS p JOIN documents AS d ON d.id = p.doc_id
WHERE p.fingerprint = :fingerprint AND p.doc_id < :first_doc AND p.words BETWEEN 1 AND :max_words AND {group}
"""
_GROUPS = {"s": "d.site = :group", "f": "rtrim(d.source, replace(d.source, '/', '')) = :group"}
#: Whether a folder holds an old article, found in the ``source`` index: the sources in a
#: folder ``.../`` sort between it and ``...0`` (``0`` follows ``/``).
_OLD_IN_FOLDER = """
SELECT 1 FROM documents WHERE source >= :group AND source < :upper AND id < :first_doc
AND rtrim(source, replace(source, '/', '')) = :group LIMIT 1
"""


def _mark_arrivals(db: sqlite3.Connection, config: BoilerplateConfig, first_doc: int) -> list[tuple[int, int]]:
    """:func:`mark_affected` when documents ``first_doc`` and later only arrived."""
    params = {**_params(config), "first_doc": first_doc}
    new = db.execute(_NEW_PARAGRAPHS, params).fetchall()
    pairs: dict[tuple[str, str, int], set[int]] = {}  # (kind, group, fingerprint) -> new documents
    for doc, _, fingerprint, _, short, site, folder in new:
        if short:
            for kind, group in (("s", site), ("f", folder)):
                if kind == "f" or site != "":
                    pairs.setdefault((kind, group, fingerprint), set()).add(doc)
    # A new folder (a day's scrape, a checked workspace) has no old articles: its pairs
    # need no count, which would read every paragraph holding their fingerprints.
    folders = {group for kind, group, _ in pairs if kind == "f" and group.endswith("/")}
    empty = {group for group in folders if db.execute(
        _OLD_IN_FOLDER, {"group": group, "upper": group[:-1] + "0", "first_doc": first_doc}).fetchone() is None}
    frequent: set[tuple[str, str, int]] = set()
    changed: dict[tuple[int, int], int] = {}  # (doc, idx) -> new flag
    flipped: set[tuple[int, int]] = set()
    for pair, docs in pairs.items():
        kind, group, fingerprint = pair
        query = {**params, "group": group, "fingerprint": fingerprint, "limit": config.min_documents}
        old = 0 if kind == "f" and group in empty else db.execute(_OLD_IN_GROUP.format(group=_GROUPS[kind]), query).fetchone()[0]
        if old + len(docs) < config.min_documents:
            continue
        frequent.add(pair)
        if old < config.min_documents:  # the pair turns frequent: its few old paragraphs turn boilerplate
            for doc, idx, pattern, flag in db.execute(_OLD_PARAGRAPHS.format(group=_GROUPS[kind]), query):
                wanted = _flag_of(pattern, True, config)
                if flag != wanted:
                    changed[doc, idx] = wanted
                    if flag == 0:
                        flipped.add((doc, idx))
    for doc, idx, fingerprint, pattern, short, site, folder in new:
        repeated = short and (("f", folder, fingerprint) in frequent or (site != "" and ("s", site, fingerprint) in frequent))
        flag = _flag_of(pattern, repeated, config)
        if flag:  # new paragraphs are stored unflagged
            changed[doc, idx] = flag
            flipped.add((doc, idx))
    db.executemany("UPDATE paragraphs SET boilerplate = ? WHERE doc_id = ? AND idx = ?",
                   [(flag, doc, idx) for (doc, idx), flag in sorted(changed.items())])
    return sorted(flipped)


def _flag_of(pattern: int, repeated: bool, config: BoilerplateConfig) -> int:
    """The flag :data:`_FLAG` gives a paragraph: its built-in pattern first, then repeated."""
    return 1 if pattern == 1 and config.use_builtin_patterns else 2 if repeated else 0
