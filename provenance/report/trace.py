"""``trace``: for every passage of one article, is it original here or first seen where?"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash

from provenance.errors import InputError
from provenance.ingest.dates import format_stored
from provenance.ingest.feeds import is_feed
from provenance.pipeline.normalise import tokenise
from provenance.records import SourceRef
from provenance.report.align import align
from provenance.store import queries
from provenance.store.index import Index
from provenance.workspace import scratch_index

__all__ = ["PassageTrace", "changed_since_scan", "find_document", "render_trace", "trace_document", "trace_unindexed"]


@dataclass(frozen=True, slots=True)
class PassageTrace:
    start: int
    end: int
    text: str
    status: str  # "original" | "reused" | "boilerplate" | "too-short"
    sources: tuple[dict[str, Any], ...] = ()
    reused_by: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The passage as ``trace --format json`` prints it."""
        return {"start": self.start, "end": self.end, "status": self.status, "sources": list(self.sources),
                "reused_by": self.reused_by}


def find_document(index: Index, target: str) -> tuple[int, str] | None:
    """``(id, display path)`` of the indexed document ``target`` names (its file's path,
    absolute or as displayed, or FILE#N for a feed record); ``None`` when none is."""
    if os.path.isdir(target):
        raise InputError(f"{target}: a folder; give one article, or FILE#N for record N of a feed")
    if is_feed(target) and os.path.isfile(target):
        raise InputError(f"{target}: a feed file holds many articles; give one article, or FILE#N ({target}#1 is its first record)")
    candidates = [str(Path(target).resolve()), target.replace("\\", "/")]
    for column, value in (("source", candidates[0]), ("path", candidates[1])):
        rows = queries.documents_where(index.connection, column, value)
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            raise InputError(f"{target}: several indexed documents have this path; pass the file's full path")
    return None


def _find_document(index: Index, target: str, found: tuple[int, str] | None = None) -> tuple[int, str]:
    found = found or find_document(index, target)
    if found is None:
        raise InputError(f"{target}: not in the index; scan it first with 'provenance scan {target}'")
    return found


def trace_unindexed(index_path: Path, file: Path | None, data: bytes | None, display: str) -> tuple[dict[str, Any], list[PassageTrace]]:
    """:func:`trace_document` for an article not in the index (``file``, or the bytes
    ``data`` read from stdin): it is scanned into a scratch of the index whose writes are
    rolled back (:func:`provenance.workspace.scratch_index`), so each passage is traced
    to where it was first seen as if it had been scanned, and the index is left as it was."""
    # The scan machinery (matching, findings): only for an article not in the index.
    from provenance.scanning import ScanOptions, scan

    with tempfile.TemporaryDirectory(prefix="provenance-trace-") as folder:
        source = file
        if data is not None:
            source = Path(folder) / "stdin.txt"
            source.write_bytes(data)
        if source is None or not source.is_file():
            raise InputError(f"{display}: no such file; give an article's path, FILE#N for a feed record, or - for stdin")
        skipped: list[str] = []
        with scratch_index(index_path) as index:
            scan([source], index, ScanOptions(workers=1, paths_from_root=False), warn=lambda item: skipped.append(item.reason))
            found = find_document(index, str(source))
            if found is None:
                reason = f" ({skipped[0]})" if skipped else ""
                raise InputError(f"{display}: nothing to trace{reason}")
            meta, traces = trace_document(index, str(source), found)
    return {**meta, "path": display, "changed_since_scan": None, "indexed": False}, traces


def trace_document(index: Index, target: str, found: tuple[int, str] | None = None,
                   ) -> tuple[dict[str, Any], list[PassageTrace]]:
    """The document's metadata and one :class:`PassageTrace` per paragraph (``found``:
    ``target``'s :func:`find_document`, when the caller has looked it up already)."""
    doc_id, path = _find_document(index, target, found)
    db = index.connection
    text = index.document_text(doc_id)
    url, title, published, source, size, mtime_ns, content_hash = queries.trace_meta(db, doc_id)
    incoming = queries.incoming_reuses(db, doc_id)
    outgoing = queries.outgoing_spans(db, doc_id)
    traces = []
    for start, end, words, boilerplate in queries.document_paragraphs(db, doc_id):
        sources = tuple(
            {
                "path": o_path, "url": o_url, "published": format_stored(o_published), "similarity": round(sim, 6),
                "kind": kind, "origin_certain": bool(certain), "copy_start": cs, "copy_end": ce,
                "origin_start": os_, "origin_end": oe,
                **_kept(index, origin_doc, (os_, oe), text, (cs, ce)),
            }
            for cs, ce, sim, kind, certain, o_path, o_url, o_published, os_, oe, origin_doc in incoming
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
    meta = {"path": path, "url": url, "title": title, "published": format_stored(published),
            "changed_since_scan": changed_since_scan(source, size, mtime_ns, content_hash), "indexed": True}
    return meta, traces


def _kept(index: Index, origin_doc: int, origin_span: tuple[int, int], copy_text: str,
          copy_span: tuple[int, int]) -> dict[str, Any]:
    """Which origin words the passage kept: counts, and the origin's dropped or changed
    word runs (``dropped``), from the report's word alignment."""
    origin_text = index.document_text(origin_doc)
    alignment = align(origin_text, origin_span, copy_text, copy_span)
    dropped = [origin_text[a:b] for a, b, mark in alignment.segments("origin") if mark in ("deleted", "changed")]
    kept = sum(len(tokenise(origin_text, a, b)) for a, b, mark in alignment.segments("origin") if mark == "same")
    return {"origin_words": alignment.origin_words, "kept_words": kept, "dropped": dropped}


def changed_since_scan(source: str, size: int, mtime_ns: int, content_hash: str) -> str | None:
    """Why the file on disk is no longer what was scanned (``None`` when it is the same).

    Same size and modification time is the same file, as for a rescan; otherwise a plain
    file's bytes are hashed, so a touched but unchanged file is not reported. A feed
    record's file is compared by size and time only (its hash is the record's).
    """
    ref = SourceRef.parse(source)
    file = ref.file if ref.record is not None and not os.path.exists(source) else source
    try:
        info = os.stat(file)
        if info.st_size == size and info.st_mtime_ns == mtime_ns:
            return None
        if file == source and xxhash.xxh3_64_hexdigest(Path(file).read_bytes()) == content_hash:
            return None
    except OSError:
        return "the file is gone or unreadable since it was scanned"
    return "the feed file changed since it was scanned" if file != source else "the file changed since it was scanned"


def render_trace(meta: dict[str, Any], traces: list[PassageTrace], fmt: str = "text") -> str:
    """What ``trace`` prints: JSON (the metadata and every passage), or a line per passage
    saying where it was first seen, with a preview of its text."""
    if fmt == "json":
        return json.dumps({**meta, "passages": [item.to_dict() for item in traces]}, indent=2, ensure_ascii=False) + "\n"
    lines = [f"{meta['path']}  {meta['title'] or ''}  published {meta['published'] or 'undated'}"]
    for item in traces:
        preview = " ".join(item.text.split())[:90]
        lines.append(f"[{item.start}:{item.end}] {_where(item)}\n    {preview}")
    return "".join(line + "\n" for line in lines)


def _where(item: PassageTrace) -> str:
    if item.status == "reused":
        source = item.sources[0]
        where = (f"first seen in {source['path']} ({source['published'] or 'undated'}), {source['kind']} "
                 f"{source['similarity']:.2f}, kept {source['kept_words']} of {source['origin_words']} origin words")
        if source["dropped"]:
            where += "; dropped or changed: " + " | ".join(" ".join(d.split()) for d in source["dropped"][:3])
        if not source["origin_certain"]:
            where += ", origin uncertain"
        return where
    if item.status == "original" and item.reused_by:
        return f"original here, reused {item.reused_by} time(s) elsewhere"
    return {"original": "original here", "boilerplate": "boilerplate", "too-short": "too short to match"}[item.status]
