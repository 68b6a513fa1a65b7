"""``trace``: for every passage of one article, is it original here or first seen where?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.errors import InputError
from provenance.report.model import _instant
from provenance.store.index import Index

__all__ = ["PassageTrace", "trace_document"]


@dataclass(frozen=True, slots=True)
class PassageTrace:
    start: int
    end: int
    text: str
    status: str  # "original" | "reused" | "boilerplate" | "too-short"
    sources: tuple[dict[str, Any], ...] = ()
    reused_by: int = 0


def _find_document(index: Index, target: str) -> tuple[int, str]:
    """Match ``target`` against stored sources (absolute) first, then display paths."""
    candidates = [str(Path(target).resolve()), target.replace("\\", "/")]
    db = index.connection
    for column, value in (("source", candidates[0]), ("path", candidates[1])):
        rows = db.execute(f"SELECT id, path FROM documents WHERE {column} = ?", (value,)).fetchall()
        if len(rows) == 1:
            return int(rows[0][0]), str(rows[0][1])
        if len(rows) > 1:
            raise InputError(f"{target}: several indexed documents have this path; pass the file's full path")
    raise InputError(f"{target}: not in the index; scan it first with 'provenance scan {target}'")


def trace_document(index: Index, target: str) -> tuple[dict[str, Any], list[PassageTrace]]:
    """The document's metadata and one :class:`PassageTrace` per paragraph."""
    doc_id, path = _find_document(index, target)
    db = index.connection
    text = index.document_text(doc_id)
    url, title, published = db.execute("SELECT url, title, published_us FROM documents WHERE id = ?", (doc_id,)).fetchone()
    incoming = db.execute(
        """SELECT r.copy_start, r.copy_end, r.similarity, r.kind, r.origin_certain, o.path, o.url, o.published_us,
                  r.origin_start, r.origin_end
           FROM reuses AS r JOIN documents AS o ON o.id = r.origin_doc WHERE r.copy_doc = ?""",
        (doc_id,),
    ).fetchall()
    outgoing = db.execute("SELECT origin_start, origin_end FROM reuses WHERE origin_doc = ?", (doc_id,)).fetchall()
    traces = []
    for start, end, words, boilerplate in db.execute(
        "SELECT start, end, words, boilerplate FROM paragraphs WHERE doc_id = ? ORDER BY idx", (doc_id,)
    ):
        sources = tuple(
            {
                "path": o_path, "url": o_url, "published": _instant(o_published), "similarity": round(sim, 6),
                "kind": kind, "origin_certain": bool(certain), "copy_start": cs, "copy_end": ce,
                "origin_start": os_, "origin_end": oe,
            }
            for cs, ce, sim, kind, certain, o_path, o_url, o_published, os_, oe in incoming
            if cs < end and start < ce
        )
        reused_by = sum(1 for os_, oe in outgoing if os_ < end and start < oe)
        if boilerplate:
            status = "boilerplate"
        elif sources:
            status = "reused"
        elif words < index.config.segment.min_words:
            status = "too-short"
        else:
            status = "original"
        traces.append(PassageTrace(start, end, text[start:end], status, sources, reused_by))
    meta = {"path": path, "url": url, "title": title, "published": _instant(published)}
    return meta, traces
