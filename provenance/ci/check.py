"""``check``: do these articles reuse text published earlier? Pass or fail, for CI.

The given articles are scanned into the index inside a transaction that is rolled back
(:meth:`~provenance.store.index.Index.sandbox`), or into the index itself with
``update=True``; findings are brought up to date exactly as ``scan`` does (incrementally:
the cost follows the checked articles, not the index), and every finding whose copy is
one of the checked articles is judged by the :class:`~provenance.ci.policy.CheckPolicy`.
Reusing ``scan`` keeps one definition of a finding: what ``check`` reports is what
``scan`` + ``report`` would report.

The index is never changed without ``update``: it is often a cached CI artifact. The
sandbox writes only to the ``-wal``, which the rollback discards, so the file's bytes stay
as they were and nothing is copied. Where that cannot be had (a read-only folder, a
writer's changes waiting in a ``-wal``, an older schema) the file is copied to a scratch
folder first, as a file or with SQLite's backup API. A missing index means the articles
are only compared with each other.

Library use: ``run_check(["feeds/today.jsonl"], Path("provenance.sqlite")).exit_code``.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from provenance.ci.locations import (
    LineSpans,
    Location,
    locate,
    record_free,
    relative_file,
    split_source,
)
from provenance.ci.order import Reuse, order_for_check
from provenance.ci.policy import STATUSES, CheckPolicy, finding_fingerprint
from provenance.errors import InputError
from provenance.ingest.dates import format_stored
from provenance.ingest.feeds import is_feed
from provenance.ingest.load import Skipped, iter_sources
from provenance.records import SourceRef
from provenance.report.shares import covered_share, overlaps
from provenance.scanning import ScanOptions, ScanSummary, Warn, scan
from provenance.store import queries
from provenance.store.index import Index
from provenance.store.unfinished import UnfinishedWork, unfinished_work
from provenance.workspace import scratch_index

__all__ = ["STATUSES", "CheckFinding", "CheckOptions", "CheckResult", "Side", "run_check"]


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to run a check (not what passes: that is the policy)."""

    update: bool = False
    scan: ScanOptions = field(default_factory=ScanOptions)
    workdir: Path | None = None  # locations are relative to it (default: current directory)


@dataclass(frozen=True, slots=True)
class Side:
    """One article of a finding: its index path, metadata and the span in its text."""

    doc: int
    path: str
    url: str | None
    title: str | None
    published: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CheckFinding:
    """A checked article's passage whose origin is another, earlier article."""

    copy: Side
    origin: Side
    location: Location
    similarity: float
    kind: str
    origin_certain: bool
    cluster: int
    text: str
    fingerprint: str
    status: str = "new"
    allowed_by: str | None = None
    order_basis: str = "published"  # or "arrival": see provenance.ci.order

    @property
    def fails(self) -> bool:
        return self.status == "new"


@dataclass(slots=True)
class CheckResult:
    """Findings with their status, plus what a report needs to describe the run."""

    findings: list[CheckFinding]
    documents: list[dict[str, Any]]
    checked: int
    indexed: int
    index_found: bool
    below_min_similarity: int
    policy: CheckPolicy
    config: dict[str, Any]
    summary: ScanSummary = field(default_factory=ScanSummary)
    #: What an interrupted scan left undone in the index (the check's copy finished it).
    unfinished: UnfinishedWork = field(default_factory=lambda: UnfinishedWork(0, False))

    def count(self, status: str) -> int:
        return sum(1 for finding in self.findings if finding.status == status)

    @property
    def failing(self) -> list[CheckFinding]:
        return [finding for finding in self.findings if finding.fails]

    @property
    def failing_articles(self) -> int:
        return len({finding.copy.doc for finding in self.failing})

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0


def run_check(
    paths: Sequence[str | os.PathLike[str]],
    index_path: Path,
    policy: CheckPolicy | None = None,
    options: CheckOptions | None = None,
    warn: Warn | None = None,
) -> CheckResult:
    """Check ``paths`` against the index at ``index_path`` and each other."""
    policy, options = policy or CheckPolicy(), options or CheckOptions()
    workdir = (options.workdir or Path.cwd()).resolve()
    with _workspace(Path(index_path), options.update) as (index, indexed, found):
        # A scratch copy keeps paths as given (check's messages name files so); --update
        # writes the real index, whose paths are relative to its root like any scan's.
        scan_options = options.scan if options.update else replace(options.scan, paths_from_root=False)
        unfinished = UnfinishedWork(0, False) if options.update else unfinished_work(index)
        summary = scan(paths, index, scan_options, warn=warn)
        checked = _checked_documents(index, paths)
        if not checked:
            if summary.skipped:
                raise InputError(f"nothing to check: all {len(summary.skipped)} input(s) were skipped (see the warnings above)")
            raise InputError(f"no articles in {', '.join(map(str, paths))} (looked for .txt, .md and feed files)")
        findings, below, documents = _evaluate(index, checked, policy, workdir)
        return CheckResult(findings, documents, len(checked), indexed, found, below, policy,
                           {"fingerprint": index.config.fingerprint, **index.config.to_dict()}, summary, unfinished)


# -- the index ----------------------------------------------------------------------------


@contextmanager
def _workspace(index_path: Path, update: bool) -> Iterator[tuple[Index, int, bool]]:
    """The index to scan into: the real one (``update``), or one whose writes never reach
    the file (:func:`~provenance.workspace.scratch_index`)."""
    found = index_path.exists() and index_path.stat().st_size > 0
    opened = Index.open(index_path) if update else scratch_index(index_path)
    with opened as index:
        yield index, _document_count(index), found


def _document_count(index: Index) -> int:
    return queries.document_count(index.connection)


def _checked_documents(index: Index, paths: Sequence[str | os.PathLike[str]]) -> list[int]:
    """Ids of the documents the given paths hold (feed files: all their records)."""
    files: list[str] = []
    feeds: list[str] = []
    for item in iter_sources(paths):
        if not isinstance(item, Skipped):
            (feeds if is_feed(item.absolute) else files).append(str(item.absolute))
    stored = index.documents_at(files, feeds)
    plain = set(files)
    return sorted(document.id for source, document in stored.items()
                  if source in plain or SourceRef.parse(source).record is not None)


# -- findings -----------------------------------------------------------------------------


def _evaluate(
    index: Index, checked: list[int], policy: CheckPolicy, workdir: Path
) -> tuple[list[CheckFinding], int, list[dict[str, Any]]]:
    stored = queries.reuses_touching(index.connection, checked)
    touched = _documents(index, {row[1] for row in stored} | {row[4] for row in stored})
    reuses = order_for_check(stored, {doc: (d["published_us"], bool(d["date_only"])) for doc, d in touched.items()}, set(checked))
    docs = _documents(index, set(checked) | {reuse.origin_doc for reuse in reuses})
    texts = {doc: index.document_text(doc) for doc in {reuse.copy_doc for reuse in reuses}}
    passages = _passages(index, set(docs))
    feed_lines: LineSpans = {}
    findings: list[CheckFinding] = []
    below = 0
    for r in reuses:
        if r.similarity < policy.min_similarity:
            below += 1
            continue
        origin, copy = _side(docs[r.origin_doc], r.origin_start, r.origin_end), _side(docs[r.copy_doc], r.copy_start, r.copy_end)
        text = texts[r.copy_doc][r.copy_start : r.copy_end]
        origin_file = relative_file(split_source(docs[r.origin_doc]["source"])[0], workdir)
        copy_file = relative_file(split_source(docs[r.copy_doc]["source"])[0], workdir)
        fingerprint = finding_fingerprint(text, origin.url or record_free(origin.path), copy.url or copy_file)
        allowed = policy.allowed_by(origin.url, [origin.path, origin_file])
        status = "allowlist" if allowed else "baseline" if fingerprint in policy.baseline else "new"
        location = locate(docs[r.copy_doc]["source"], docs[r.copy_doc]["encoding"], texts[r.copy_doc], r.copy_start,
                          r.copy_end, workdir, feed_lines)
        findings.append(CheckFinding(copy, origin, location, float(r.similarity), r.kind, r.origin_certain, r.cluster, text,
                                     fingerprint, status, allowed, r.order_basis))
    findings = _apply_share_limit(findings, passages, policy.max_reused_share)
    findings.sort(key=lambda f: (f.location.file, f.location.record or 0, f.copy.start, f.origin.path, f.origin.start))
    documents = _document_entries(index, docs, passages, set(checked), findings, workdir, [r for r in reuses if r.turned])
    return findings, below, documents


def _apply_share_limit(
    findings: list[CheckFinding], passages: dict[int, list[tuple[int, int, bool]]], limit: float
) -> list[CheckFinding]:
    """Let through the ``new`` findings of articles whose reused share stays within ``limit``."""
    share = _reused_shares(findings, passages)
    return [
        replace(f, status="max-reused-share") if f.status == "new" and share.get(f.copy.doc, 0.0) <= limit else f
        for f in findings
    ]


def _reused_shares(findings: list[CheckFinding], passages: dict[int, list[tuple[int, int, bool]]]) -> dict[int, float]:
    """Per article, the share of its passage text covered by findings still ``new``."""
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for finding in findings:
        if finding.status == "new":
            spans[finding.copy.doc].append((finding.copy.start, finding.copy.end))
    return {doc: covered_share(copied, _counted(passages.get(doc, []))) for doc, copied in spans.items()}


def _counted(passages: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    return [(start, end) for start, end, counted in passages if counted]


# -- documents ----------------------------------------------------------------------------


def _documents(index: Index, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Metadata of the documents of interest, by id."""
    return queries.documents_by_id(index.connection, ids)


def _passages(index: Index, ids: set[int]) -> dict[int, list[tuple[int, int, bool]]]:
    """Paragraph spans of these documents and whether they count toward shares (they
    have words and are not boilerplate), as the report counts them."""
    found: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for doc, start, end, words, boilerplate in queries.paragraph_spans(index.connection, ids):
        found[doc].append((start, end, bool(words) and not boilerplate))
    return found


def _side(doc: dict[str, Any], start: int, end: int) -> Side:
    return Side(doc["id"], doc["path"], doc["url"], doc["title"], format_stored(doc["published_us"]), start, end)


def _document_entries(
    index: Index, docs: dict[int, dict[str, Any]], passages: dict[int, list[tuple[int, int, bool]]],
    checked: set[int], findings: list[CheckFinding], workdir: Path, turned: list[Reuse],
) -> list[dict[str, Any]]:
    """Report-schema entries for the checked articles and the origins they reuse;
    ``reused_share`` is the share the policy judged (findings not let through)."""
    copied: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for copy_doc, start, end in queries.copied_spans(index.connection, docs):
        copied[copy_doc].append((start, end))
    for reuse in turned:  # the check's order: the checked article copied, the indexed one did not
        copied[reuse.origin_doc].remove((reuse.origin_start, reuse.origin_end))
        copied[reuse.copy_doc].append((reuse.copy_start, reuse.copy_end))
    shares = _reused_shares(findings, passages)
    entries = []
    for doc_id, doc in docs.items():
        spans, paragraphs = copied.get(doc_id, []), passages.get(doc_id, [])
        counted = _counted(paragraphs)
        entries.append({
            "path": doc["path"],
            "file": relative_file(split_source(doc["source"])[0], workdir),
            "checked": doc_id in checked,
            "url": doc["url"],
            "title": doc["title"],
            "authors": json.loads(doc["authors"]),
            "published": format_stored(doc["published_us"]),
            "date_only": bool(doc["date_only"]) if doc["published_us"] is not None else None,
            "site": doc["site"] or None,
            "encoding": doc["encoding"],
            "passages": len(counted),
            "reused_passages": sum(1 for span in counted if overlaps(span, spans)),
            "original_share": round(1.0 - covered_share(spans, counted) if counted else 1.0, 6),
            "reused_share": round(shares.get(doc_id, 0.0), 6),
        })
    entries.sort(key=lambda e: (not e["checked"], e["file"], e["path"]))
    return entries
