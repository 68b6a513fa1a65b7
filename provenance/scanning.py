"""``scan``: bring an index up to date with the articles under some paths.

Two halves, so each can grow on its own:

* :func:`plan_changes` (the load stage) walks the inputs and yields the documents that
  are new or changed, with the id of the version they replace; unchanged files (same
  size and mtime, or same content hash) and unreadable ones are dealt with here;
* :func:`apply_changes` (the process/write stage) turns them into units and band keys
  and writes them in batches, one transaction each (old version out, new one in), then
  finds and verifies the new units' matches in one pass per band
  (:func:`provenance.store.matching.match_pending`).

Findings are recomputed at the end, so provenance never depends on scan order or on
which run a file came in; ``prune`` drops documents whose files are gone.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from functools import partial
from pathlib import Path
from typing import Any

from provenance.config import Config
from provenance.errors import InputError
from provenance.execution.engines import check_engine, component_labeller, open_executor
from provenance.execution.local import read_ahead
from provenance.ingest.feeds import FeedFields, is_feed, load_feed, records_by_feed, source_exists
from provenance.ingest.load import (
    DEFAULT_MAX_FILE_SIZE,
    Read,
    Skipped,
    Source,
    iter_sources,
    no_articles,
    read_if_changed,
    reject_duplicate_displays,
    stamp_matches,
    unchanged_files,
)
from provenance.ingest.roots import settle_root
from provenance.pipeline.batch import process_batch
from provenance.records import Document
from provenance.store.checkpoints import BackgroundCheckpoints
from provenance.store.findings import refresh
from provenance.store.index import Index, StoredDocument
from provenance.store.liveness import scanning
from provenance.store.matching import match_pending
from provenance.store.writer import FingerprintIndex, write_batch

__all__ = ["Change", "ScanOptions", "ScanProgress", "ScanSummary", "apply_changes", "plan_changes", "scan", "scan_into"]

#: Article files read ahead of the batch being written (two batches of the default size).
_READ_AHEAD = 512
#: ``map`` in order, each result made on a helper thread one item ahead (the band pass).
_OVERLAPPED = partial(read_ahead, ahead=1, thread_name="provenance-bands")
#: Files handed to the reading thread at a time (most of a rescan's are unchanged: a stat each).
_READ_CHUNK = 32


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Per-run options that do not change how text matches (so not fingerprinted)."""

    default_timezone: tzinfo = UTC
    prune: bool = False
    batch_size: int = 256  # per transaction and key run (see keyruns.MAX_RUNS)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    feed_fields: FeedFields = field(default_factory=FeedFields)
    #: Processes for the per-document stages (1 = this process, whose native text stage
    #: uses every core; Dask workers for the ``dask`` engine); results are identical for
    #: any number, since batches are written in input order by this process.
    workers: int = 1
    #: ``"local"`` (this machine) or ``"dask"`` (a Dask cluster); the same stages run and
    #: the index is byte-identical either way (see :mod:`provenance.execution.engines`).
    engine: str = "local"
    #: Address of a running Dask scheduler; ``None`` starts a LocalCluster of ``workers``.
    scheduler: str | None = None
    #: Keep each batch's stage output as Parquet shards here (with completion markers),
    #: so a rerun skips batches already computed; ``None`` keeps nothing.
    workdir: str | None = None
    #: Display paths relative to the index's root folder (:mod:`provenance.ingest.roots`),
    #: so different files never share one; ``False`` keeps them relative to each PATH, as
    #: ``check`` does in its scratch copy so that its messages name files as they were given.
    paths_from_root: bool = True


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

    def to_dict(self) -> dict[str, Any]:
        """The summary as ``scan --json`` prints it (its keys are listed in the README)."""
        counts = {name: getattr(self, name) for name in ("seen", "added", "changed", "unchanged", "removed", "matches", "findings")}
        return {**counts, "skipped": [{"path": item.path, "reason": item.reason} for item in self.skipped]}


@dataclass(slots=True)
class ScanProgress:
    """Where a scan is, for a progress display (``scan(observe=...)``).

    ``phase`` is ``loading`` (files read and their passages written, in batches), then
    ``matching`` (candidates of the new passages, verified) and ``refreshing findings``.
    ``files_total`` is known once the inputs are listed, so a display can show a rate and
    an ETA; ``articles`` counts what was read (a feed counts its records), ``passages`` what
    was written.
    """

    phase: str = "loading"
    files: int = 0
    files_total: int = 0
    articles: int = 0
    passages: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """A document to (re)write; ``replaces`` is the stored version's id, if any."""

    document: Document
    replaces: int | None


#: Called after each committed batch with (articles written, articles read and waiting or written).
Progress = Callable[[int, int], None]
Warn = Callable[[Skipped], None]
Observe = Callable[[ScanProgress], None]


class _Tracker:
    """Keeps one :class:`ScanProgress` and hands it to the observer on every change."""

    def __init__(self, observe: Observe | None) -> None:
        self.state, self.observe = ScanProgress(), observe

    def update(self, **changes: object) -> None:
        for name, value in changes.items():
            setattr(self.state, name, value)
        if self.observe is not None:
            self.observe(self.state)


def scan(
    paths: Sequence[str | os.PathLike[str]],
    index: Index,
    options: ScanOptions = ScanOptions(),
    warn: Warn | None = None,
    progress: Progress | None = None,
    observe: Observe | None = None,
) -> ScanSummary:
    """Scan ``paths`` into ``index`` and recompute findings; returns what happened.

    ``observe`` is called with a :class:`ScanProgress` whenever the scan moves on. A wrong
    engine (or an unreachable scheduler) raises :class:`ConfigError` before anything is read.
    """
    check_engine(options.engine, options.scheduler)
    return _scan(paths, index, options, warn, progress, observe)


def scan_into(
    index_path: str | Path,
    paths: Sequence[str | os.PathLike[str]],
    options: ScanOptions = ScanOptions(),
    config: Config | None = None,
    warn: Warn | None = None,
    observe: Observe | None = None,
) -> ScanSummary:
    """Open (or create) the index at ``index_path`` with ``config`` and :func:`scan` into it;
    the engine is checked first, so a wrong ``--engine`` never leaves a new, empty index."""
    check_engine(options.engine, options.scheduler)
    with Index.open(index_path, config) as index:
        return _scan(paths, index, options, warn, None, observe)


def _scan(paths: Sequence[str | os.PathLike[str]], index: Index, options: ScanOptions, warn: Warn | None,
          progress: Progress | None, observe: Observe | None) -> ScanSummary:
    summary = ScanSummary()
    tracker = _Tracker(observe)
    with scanning(index), BackgroundCheckpoints(index):  # readers tell this scan's unfinished work from an interrupted one's
        changes = plan_changes(paths, index, options, summary, warn, tracker)
        summary.matches = apply_changes(index, changes, options, progress, tracker)
        if options.prune:
            gone = [doc.id for source, doc in index.stored_documents().items() if not source_exists(source)]
            index.remove_documents(gone)
            summary.removed += len(gone)
        # Findings depend on the whole index; recompute them only when a write made them stale.
        tracker.update(phase="refreshing findings")
        summary.findings = index.findings_count() if index.findings_current else refresh(
            index, labeller=component_labeller(options.engine, options.scheduler, options.workers, options.workdir))
        index.record_scan(summary.seen, summary.added, summary.changed, summary.removed, len(summary.skipped),
                          summary.findings)
    return summary


def plan_changes(
    paths: Sequence[str | os.PathLike[str]], index: Index, options: ScanOptions, summary: ScanSummary, warn: Warn | None,
    tracker: _Tracker | None = None,
) -> Iterator[Change]:
    """The load stage: new or changed documents, in deterministic order."""
    tracker = tracker or _Tracker(None)

    def stored_paths() -> list[tuple[int, str, str]]:
        return [(doc.id, doc.path, source) for source, doc in index.stored_documents().items()]

    root, rebased = settle_root(paths, index.root, stored_paths) if options.paths_from_root else (None, None)
    sources: list[Source] = []
    empty: list[str] = []
    for raw in paths:
        found = 0
        for found, item in enumerate(iter_sources([raw], root), start=1):
            if isinstance(item, Skipped):
                _skip(summary, item, warn)
            else:
                sources.append(item)
        if not found:
            empty.append(str(raw))
    if empty and len(empty) == len(paths) and not options.prune:
        raise InputError(no_articles(", ".join(empty)))
    for raw in empty:
        _skip(summary, Skipped(raw, no_articles()), warn)
    if root is not None and rebased is not None:
        index.set_root(root, rebased)
    reject_duplicate_displays(sources)
    tracker.update(files_total=len(sources))
    feed = [is_feed(source.absolute) for source in sources]
    feeds = sorted({source.absolute for source, is_a_feed in zip(sources, feed, strict=True) if is_a_feed})
    stored = index.documents_at([source.absolute for source, is_a_feed in zip(sources, feed, strict=True) if not is_a_feed],
                                feeds)
    path_updates: list[tuple[str, int]] = []
    records = records_by_feed(stored) if feeds else {}
    gone: list[int] = []
    unchanged = unchanged_files(sources, feed, stored)
    # Article files are read (and decoded, and their headers parsed) ahead, on a helper
    # thread, while this one writes the batches before them; feeds are read here.
    files = [(source, stored.get(source.absolute)) for source, is_a_feed, same in zip(sources, feed, unchanged, strict=True)
             if not (is_a_feed or same)]
    reads = read_ahead(partial(_read, options=options), files, _READ_AHEAD, chunk=_READ_CHUNK)

    def skip_unchanged(first: int, stop: int) -> None:
        """Account for the unchanged files ``sources[first:stop]`` at once (most of a rescan)."""
        summary.seen, summary.unchanged = summary.seen + stop - first, summary.unchanged + stop - first
        path_updates.extend((source.display, stored[source.absolute].id) for source in sources[first:stop]
                            if stored[source.absolute].path != source.display)
        tracker.update(files=stop, articles=summary.seen)

    try:
        done = 0
        for number in (n for n, (is_a_feed, same) in enumerate(zip(feed, unchanged, strict=True)) if is_a_feed or not same):
            skip_unchanged(done, number)
            source, done = sources[number], number + 1
            if feed[number]:
                previous_records = records.get(source.absolute, {})
                yield from _load_feed(source, previous_records, options, summary, warn, path_updates, gone)
            else:
                summary.seen += 1
                previous = stored.get(source.absolute)
                document = _load(next(reads), previous, summary, warn)
                if document is not None:
                    yield Change(document, previous.id if previous else None)
                elif previous is not None and previous.path != source.display:
                    path_updates.append((source.display, previous.id))
            tracker.update(files=done, articles=summary.seen)
        skip_unchanged(done, len(sources))
    finally:
        reads.close()  # stops reading ahead when the scan stops early (an error, Ctrl-C)
    if gone:
        index.remove_documents(gone)
        summary.removed += len(gone)
    if path_updates:
        index.set_paths(path_updates)


def apply_changes(
    index: Index, changes: Iterable[Change], options: ScanOptions, progress: Progress | None = None,
    tracker: _Tracker | None = None,
) -> int:
    """The process/write stage: batches of ``options.batch_size`` documents are split,
    shingled, signed and banded by ``options.workers`` processes, and written by this
    process in input order, one transaction per batch (old versions out, new ones in)."""
    in_flight: deque[tuple[list[Document], list[int]]] = deque()

    def batches() -> Iterator[list[Document]]:
        documents: list[Document] = []
        replaced: list[int] = []
        for change in changes:
            documents.append(change.document)
            if change.replaces is not None:
                replaced.append(change.replaces)
            if len(documents) >= options.batch_size:
                in_flight.append((documents, replaced))
                yield documents
                documents, replaced = [], []
        if documents or replaced:
            in_flight.append((documents, replaced))
            yield documents

    done = 0
    tracker = tracker or _Tracker(None)
    task = partial(process_batch, config=index.config, keep_documents=False)
    if options.workdir is not None:
        # Parquet shards: polars loads only with --workdir
        from provenance.execution.shards import sharded

        task = sharded(task, options.workdir, index.config)  # type: ignore[assignment]
    with open_executor(options.engine, options.workers, options.scheduler) as executor:
        with FingerprintIndex(index) as fingerprints:
            for batch in executor.map(task, batches()):
                documents, replaced = in_flight.popleft()
                batch.documents = documents
                fingerprints.before_write()
                write_batch(index, batch, replaced)
                done += len(documents)
                tracker.update(passages=tracker.state.passages + len(batch.paragraph_doc))
                if progress and documents:
                    progress(done, done + sum(len(waiting) for waiting, _ in in_flight))
        # The candidate stage, by band: on the cluster with Dask; here in this process, each
        # band's pairing (native, no GIL) on a helper thread while this one reads the next.
        tracker.update(phase="matching")
        return match_pending(index, executor.map if options.engine == "dask" else _OVERLAPPED)


def _skip(summary: ScanSummary, item: Skipped, warn: Warn | None) -> None:
    summary.skipped.append(item)
    if warn:
        warn(item)


def _read(item: tuple[Source, StoredDocument | None], options: ScanOptions) -> Read:
    source, previous = item
    return read_if_changed(source, previous, options.default_timezone, options.max_file_size)


def _load(read: Read, previous: StoredDocument | None, summary: ScanSummary, warn: Warn | None) -> Document | None:
    """The document read if it is new or changed (counted); ``None`` when unchanged or skipped."""
    if read.skipped is not None:
        _skip(summary, read.skipped, warn)
        return None
    if read.document is None:
        summary.unchanged += 1
        return None
    if previous is None:
        summary.added += 1
    else:
        summary.changed += 1
    return read.document


def _load_feed(
    source: Source, previous: dict[int, StoredDocument], options: ScanOptions, summary: ScanSummary,
    warn: Warn | None, path_updates: list[tuple[str, int]], gone: list[int],
) -> Iterator[Change]:
    """A feed file expanded into its records, each compared with its stored version.

    An unchanged file (same size and mtime as every stored record) keeps all its
    records unread; a changed one rewrites new and changed records (by content hash) and
    puts the stored records no longer in it on ``gone``.
    """
    previous = dict(previous)
    try:
        info = os.stat(source.absolute)
        if previous and all(stamp_matches(p, info) for p in previous.values()):
            summary.seen += len(previous)
            summary.unchanged += len(previous)
            path_updates.extend((f"{source.display}#{n}", p.id) for n, p in previous.items() if p.path != f"{source.display}#{n}")
            return
        loaded = load_feed(source, options.feed_fields, options.default_timezone, options.max_file_size)
    except InputError as exc:
        _skip(summary, Skipped(source.display, str(exc)), warn)
        return
    except OSError as exc:
        _skip(summary, Skipped(source.display, f"cannot read ({exc.strerror or exc})"), warn)
        return
    for item in loaded.skipped:
        _skip(summary, item, warn)
    for record in loaded.records:
        summary.seen += 1
        old = previous.pop(record.number, None)
        document = record.document
        if old is not None and old.content_hash == document.content_hash:
            summary.unchanged += 1
            if old.path != document.path:
                path_updates.append((document.path, old.id))
            continue
        if old is None:
            summary.added += 1
        else:
            summary.changed += 1
        yield Change(document, old.id if old else None)
    gone.extend(p.id for p in previous.values())
