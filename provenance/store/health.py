"""The index's own consistency check (``provenance doctor``).

SQLite's ``integrity_check`` proves the file is sound; this proves the *index* is: no
row without its owner, every unit with all its band keys, every finding pointing at
stored documents and slicing their text, and every document complete — its stored
paragraphs and units are exactly what processing its stored text gives again. A
document is written in one transaction, so a killed scan must leave none half-written;
this is how the crash tests (and users) check that.
"""

from __future__ import annotations

import zlib

from provenance.pipeline.build import process_document
from provenance.pipeline.lsh import lsh_params
from provenance.records import Document
from provenance.store.index import Index

__all__ = ["check_consistency", "integrity_problems"]

_ORPHANS = {
    "paragraphs without a document": "SELECT COUNT(*) FROM paragraphs WHERE doc_id NOT IN (SELECT id FROM documents)",
    "units without a document": "SELECT COUNT(*) FROM units WHERE doc_id NOT IN (SELECT id FROM documents)",
    "band keys without a unit": "SELECT COUNT(*) FROM band_keys WHERE unit_id NOT IN (SELECT id FROM units)",
    "matches without their units": "SELECT COUNT(*) FROM matches WHERE a NOT IN (SELECT id FROM units) OR b NOT IN (SELECT id FROM units)",
    "findings without their documents": (
        "SELECT COUNT(*) FROM reuses WHERE origin_doc NOT IN (SELECT id FROM documents) "
        "OR copy_doc NOT IN (SELECT id FROM documents)"
    ),
}


def integrity_problems(index: Index) -> list[str]:
    """``PRAGMA integrity_check`` findings (empty when the file is sound)."""
    rows = [row[0] for row in index.connection.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def check_consistency(index: Index, deep: bool = True) -> list[str]:
    """Problems found, one line each (empty when consistent). ``deep`` reprocesses text."""
    db = index.connection
    problems = [f"{count} {what}" for what, sql in _ORPHANS.items() if (count := db.execute(sql).fetchone()[0])]
    num_bands, _ = lsh_params(index.config.lsh.threshold, index.config.minhash.num_perm,
                              index.config.lsh.false_positive_weight, index.config.lsh.false_negative_weight)
    short = db.execute(
        "SELECT COUNT(*) FROM units AS u WHERE (SELECT COUNT(*) FROM band_keys AS b WHERE b.unit_id = u.id) != ?",
        (num_bands,),
    ).fetchone()[0]
    if short:
        problems.append(f"{short} units without all {num_bands} band keys")
    lengths = {}
    for doc_id, path, blob, body_start in db.execute("SELECT id, path, text, body_start FROM documents"):
        text = zlib.decompress(blob).decode("utf-8", "surrogatepass")
        lengths[doc_id] = len(text)
        if deep:
            problems.extend(_document_problems(index, doc_id, path, text, body_start))
    for o_doc, o_start, o_end, c_doc, c_start, c_end in db.execute(
        "SELECT origin_doc, origin_start, origin_end, copy_doc, copy_start, copy_end FROM reuses"
    ):
        for doc, start, end in ((o_doc, o_start, o_end), (c_doc, c_start, c_end)):
            if doc in lengths and not 0 <= start < end <= lengths[doc]:
                problems.append(f"finding span [{start}, {end}) outside document {doc}")
    return problems


def _document_problems(index: Index, doc_id: int, path: str, text: str, body_start: int) -> list[str]:
    document = Document(path=path, source="", text=text, content_hash="", encoding="", body_start=body_start)
    expected = process_document(document, index.config)
    db = index.connection
    paragraphs = db.execute("SELECT start, end FROM paragraphs WHERE doc_id = ? ORDER BY idx", (doc_id,)).fetchall()
    units = db.execute("SELECT kind, start, end FROM units WHERE doc_id = ? ORDER BY id", (doc_id,)).fetchall()
    problems = []
    if paragraphs != [(p.start, p.end) for p in expected.paragraphs]:
        problems.append(f"{path}: stored passages differ from its text ({len(paragraphs)} stored, {len(expected.paragraphs)} expected)")
    if units != [(u.kind, u.start, u.end) for u in expected.units]:
        problems.append(f"{path}: stored units differ from its text ({len(units)} stored, {len(expected.units)} expected)")
    return problems
