"""``scan``: bring an index up to date with the articles under some paths.

Unchanged files (same size and mtime, or same content hash) are skipped; changed files
replace their old passages; new files are processed in batches, each written in one
transaction; ``prune`` drops documents whose files are gone. Findings are recomputed at
the end so that provenance never depends on scan order or on which run a file came in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from provenance.errors import InputError
from provenance.pipeline.build import ProcessedDocument, process_document
from provenance.pipeline.load import Skipped, Source, iter_sources, load_document
from provenance.store.findings import refresh
from provenance.store.index import Index
from provenance.store.writer import write_batch

__all__ = ["ScanOptions", "ScanSummary", "scan"]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Per-run options that do not change how text matches (so not fingerprinted)."""

    default_timezone: tzinfo = UTC
    prune: bool = False
    batch_size: int = 64


@dataclass(slots=True)
class ScanSummary:
    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    matches: int = 0
    findings: int = 0
    skipped: list[Skipped] = field(default_factory=list)


Progress = Callable[[int, int], None]
Warn = Callable[[Skipped], None]


def scan(
    paths: Sequence[str | os.PathLike[str]],
    index: Index,
    options: ScanOptions = ScanOptions(),
    warn: Warn | None = None,
    progress: Progress | None = None,
) -> ScanSummary:
    """Scan ``paths`` into ``index`` and recompute findings; returns what happened."""
    summary = ScanSummary()
    stored = index.stored_documents()
    sources: list[Source] = []
    for item in iter_sources(paths):
        if isinstance(item, Skipped):
            _skip(summary, item, warn)
        else:
            sources.append(item)
    _reject_duplicate_displays(sources)
    pending: list[ProcessedDocument] = []
    path_updates: list[tuple[str, int]] = []
    replaced: list[int] = []
    for position, source in enumerate(sources, start=1):
        summary.seen += 1
        previous = stored.get(str(source.absolute))
        outcome = _load(source, previous, options, summary, warn)
        if outcome is None:
            if previous is not None and previous.path != source.display:
                path_updates.append((source.display, previous.id))
        else:
            if previous is not None:
                replaced.append(previous.id)
            pending.append(process_document(outcome, index.config))
        if len(pending) >= options.batch_size:
            summary.matches += _flush(index, pending, replaced)
        if progress:
            progress(position, len(sources))
    summary.matches += _flush(index, pending, replaced)
    if path_updates:
        index.set_paths(path_updates)
    if options.prune:
        gone = [doc.id for source, doc in index.stored_documents().items() if not os.path.exists(source)]
        index.remove_documents(gone)
        summary.removed = len(gone)
    summary.findings = refresh(index)
    return summary


def _skip(summary: ScanSummary, item: Skipped, warn: Warn | None) -> None:
    summary.skipped.append(item)
    if warn:
        warn(item)


def _load(source: Source, previous, options: ScanOptions, summary: ScanSummary, warn: Warn | None):  # type: ignore[no-untyped-def]
    """The loaded document if it is new or changed; ``None`` when unchanged or skipped."""
    try:
        info = source.absolute.stat()
        if previous is not None and previous.size == info.st_size and previous.mtime_ns == info.st_mtime_ns:
            summary.unchanged += 1
            return None
        document = load_document(source, options.default_timezone)
    except InputError as exc:
        _skip(summary, Skipped(source.display, str(exc)), warn)
        return None
    except OSError as exc:
        _skip(summary, Skipped(source.display, f"cannot read ({exc.strerror or exc})"), warn)
        return None
    if previous is not None and previous.content_hash == document.content_hash:
        summary.unchanged += 1
        return None
    if previous is None:
        summary.added += 1
    else:
        summary.changed += 1
    return document


def _flush(index: Index, pending: list[ProcessedDocument], replaced: list[int]) -> int:
    """Write pending documents, replacing their old versions, in one transaction."""
    matches = write_batch(index, pending, replaced)
    pending.clear()
    replaced.clear()
    return matches


def _reject_duplicate_displays(sources: Iterable[Source]) -> None:
    seen: dict[str, Source] = {}
    for source in sources:
        if source.display in seen and seen[source.display].absolute != source.absolute:
            raise InputError(
                f"two inputs share the relative path {source.display!r} ({seen[source.display].absolute} and "
                f"{source.absolute}); scan them into separate indexes or from a common parent folder"
            )
        seen[source.display] = source

