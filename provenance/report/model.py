"""The report model: one dict, schema_version 1, read from the index without rescanning.

``build_report`` is the single source of every format: JSON is this dict serialised;
text, Markdown, CSV and HTML render it. Paths are the display paths (relative to the
scanned root, ``/`` separators); offsets slice each document's decoded text.

The records are typed dicts (``TypedDict``), not dataclasses: they *are* the JSON objects of
``report.schema.json`` (same keys, same order), so serialising them needs no conversion
and every renderer keeps reading them as plain data, while type checkers know each key.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from provenance.ingest.dates import format_stored
from provenance.report.shares import covered_chars, overlaps
from provenance.store import queries
from provenance.store.index import Index

__all__ = [
    "SCHEMA_VERSION",
    "BodyShares",
    "BoilerplateEntry",
    "DocumentEntry",
    "Occurrence",
    "Report",
    "ReportSummary",
    "ReuseEntry",
    "SpanEntry",
    "build_report",
    "document_texts",
    "to_json",
]

SCHEMA_VERSION = 1
_BOILERPLATE_REASONS = {1: "pattern", 2: "repeated"}


class SpanEntry(TypedDict):
    """One side of a reuse: ``[start, end)`` of the document at ``path``."""

    path: str
    start: int
    end: int
    published: str | None
    text: NotRequired[str]  # with ``include_text`` only


class ReuseEntry(TypedDict):
    """A finding: a span of ``copy`` first published in ``origin``."""

    cluster: int
    origin: SpanEntry
    copy: SpanEntry
    similarity: float
    jaccard: float
    containment: float
    matched_words: int
    shared_shingles: int
    kind: str
    origin_certain: bool
    lag_seconds: int | None


class BodyShares(TypedDict):
    """Shares of a document's whole body (boilerplate included): what the originality bar shows."""

    original: float
    reused: float
    boilerplate: float


class DocumentEntry(TypedDict):
    """A document's metadata and how much of it is its own."""

    path: str
    url: str | None
    title: str | None
    authors: list[str]
    published: str | None
    date_only: bool | None
    site: str | None
    encoding: str | None
    passages: int
    reused_passages: int
    boilerplate_passages: int
    original_share: float
    body_shares: BodyShares


class Occurrence(TypedDict):
    path: str
    start: int
    end: int


class BoilerplateEntry(TypedDict):
    """A boilerplate line and where it occurs."""

    text: str
    reason: str  # "pattern" | "repeated"
    occurrences: list[Occurrence]
    documents: int


class ReportSummary(TypedDict):
    """Counts over the whole index, whatever a report selects."""

    documents: int
    passages: int
    reused_passages: int
    reuses: int
    clusters: int
    boilerplate_passages: int
    undated_documents: int
    uncertain_origins: int


class Report(TypedDict):
    """The whole report (``report --format json``)."""

    schema_version: int
    summary: ReportSummary
    config: dict[str, Any]
    documents: list[DocumentEntry]
    reuses: list[ReuseEntry]
    boilerplate: list[BoilerplateEntry]


def build_report(index: Index, include_text: bool = False) -> Report:
    """The full report as plain data (see ``shared/report.schema.json``), of one read
    snapshot: a scan committing meanwhile shows in the next report, not half in this one."""
    with index.snapshot():
        return _report(index, include_text)


def _report(index: Index, include_text: bool) -> Report:
    db = index.connection
    docs = queries.report_documents(db)
    paragraphs: dict[int, list[tuple[int, int, int, int, int]]] = defaultdict(list)
    for doc_id, _, start, end, words, fingerprint, flag in queries.report_paragraphs(db):
        paragraphs[doc_id].append((start, end, words, fingerprint, flag))
    rows = queries.report_reuses(db)
    copied: dict[int, list[tuple[int, int]]] = defaultdict(list)
    reuses: list[ReuseEntry] = []
    texts: dict[int, str] = {}
    for (cluster, o_doc, o_start, o_end, c_doc, c_start, c_end, similarity, shared, kind, certain, jacc, containment,
         matched) in rows:
        copied[c_doc].append((c_start, c_end))
        origin, copy = docs[o_doc], docs[c_doc]
        entry: ReuseEntry = {
            "cluster": cluster,
            "origin": {"path": origin[1], "start": o_start, "end": o_end, "published": format_stored(origin[5])},
            "copy": {"path": copy[1], "start": c_start, "end": c_end, "published": format_stored(copy[5])},
            "similarity": round(float(similarity), 6),
            "jaccard": round(float(jacc), 6),
            "containment": round(float(containment), 6),
            "matched_words": int(matched),
            "shared_shingles": shared,
            "kind": kind,
            "origin_certain": bool(certain),
            "lag_seconds": None if origin[5] is None or copy[5] is None else (copy[5] - origin[5]) // 1_000_000,
        }
        if include_text:
            for span, doc_id in ((entry["origin"], o_doc), (entry["copy"], c_doc)):
                if doc_id not in texts:
                    texts[doc_id] = index.document_text(doc_id)
                span["text"] = texts[doc_id][span["start"] : span["end"]]
        reuses.append(entry)
    reuses.sort(key=lambda r: (r["cluster"], r["copy"]["path"], r["copy"]["start"], r["origin"]["start"]))
    documents = [_document_entry(docs[d], paragraphs[d], copied[d]) for d in docs]
    documents.sort(key=lambda d: d["path"])
    boilerplate = _boilerplate(index, docs, paragraphs)
    return {
        "schema_version": SCHEMA_VERSION,
        "summary": {
            "documents": len(documents),
            "passages": sum(d["passages"] for d in documents),
            "reused_passages": sum(d["reused_passages"] for d in documents),
            "reuses": len(reuses),
            "clusters": len({r["cluster"] for r in reuses}),
            "boilerplate_passages": sum(d["boilerplate_passages"] for d in documents),
            "undated_documents": sum(1 for d in documents if d["published"] is None),
            "uncertain_origins": sum(1 for r in reuses if not r["origin_certain"]),
        },
        "config": {"fingerprint": index.config.fingerprint, **index.config.to_dict()},
        "documents": documents,
        "reuses": reuses,
        "boilerplate": boilerplate,
    }


def _document_entry(doc: tuple, paragraphs: list[tuple[int, int, int, int, int]], copied: list[tuple[int, int]]) -> DocumentEntry:
    _, path, url, title, authors, published_us, date_only, encoding, site = doc
    passages = [(s, e) for s, e, words, _, boilerplate in paragraphs if words and not boilerplate]
    reused = sum(1 for span in passages if overlaps(span, copied))
    total = sum(e - s for s, e in passages)
    reused_chars = covered_chars(copied, passages)
    share = 1.0 if total == 0 else max(0.0, 1.0 - reused_chars / total)
    # Characters of the whole body, boilerplate included: what the originality bar shows.
    boilerplate_chars = sum(e - s for s, e, _, _, b in paragraphs if b)
    body = total + boilerplate_chars
    return {
        "path": path,
        "url": url,
        "title": title,
        "authors": json.loads(authors),
        "published": format_stored(published_us),
        "date_only": bool(date_only) if published_us is not None else None,
        "site": site or None,
        "encoding": encoding,
        "passages": len(passages),
        "reused_passages": reused,
        "boilerplate_passages": sum(1 for *_, words, _, b in paragraphs if b),
        "original_share": round(share, 6),
        "body_shares": {
            "original": round((body - reused_chars - boilerplate_chars) / body, 6) if body else 1.0,
            "reused": round(reused_chars / body, 6) if body else 0.0,
            "boilerplate": round(boilerplate_chars / body, 6) if body else 0.0,
        },
    }


def _boilerplate(index: Index, docs: dict[int, tuple], paragraphs: dict[int, list]) -> list[BoilerplateEntry]:
    groups: dict[tuple[int, int], tuple[str, str, list[Occurrence]]] = {}
    texts: dict[int, str] = {}
    for doc_id in sorted(paragraphs, key=lambda d: docs[d][1]):
        for start, end, _, fingerprint, flag in paragraphs[doc_id]:
            if not flag:
                continue
            if doc_id not in texts:
                texts[doc_id] = index.document_text(doc_id)
            _, _, occurrences = groups.setdefault(
                (flag, fingerprint), (texts[doc_id][start:end], _BOILERPLATE_REASONS.get(flag, "pattern"), []))
            occurrences.append({"path": docs[doc_id][1], "start": start, "end": end})
    entries: list[BoilerplateEntry] = [
        {"text": text, "reason": reason, "occurrences": occurrences, "documents": len({o["path"] for o in occurrences})}
        for text, reason, occurrences in groups.values()
    ]
    entries.sort(key=lambda e: (e["text"], e["reason"]))
    return entries


def to_json(report: Mapping[str, Any]) -> str:
    """Deterministic serialisation: sorted keys, two-space indent, trailing newline."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def document_texts(index: Index, paths: set[str]) -> dict[str, str]:
    """Decoded text of the documents with these display paths (for rendering spans)."""
    ids = queries.document_ids_by_path(index.connection)
    return {path: index.document_text(doc_id) for path, doc_id in ids.items() if path in paths}
