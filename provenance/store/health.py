"""The index's own consistency check (``provenance doctor``).

SQLite's ``integrity_check`` proves the file is sound; this proves the *index* is: no
row without its owner, every unit with all its band keys in a key run, every finding pointing at
stored documents and slicing their text, and every document complete — its stored
paragraphs and units are exactly what processing its stored text gives again. A
document is written in one transaction, so a killed scan must leave none half-written;
this is how the crash tests (and users) check that.

What an interrupted scan left undone is measured in :mod:`~provenance.store.unfinished`
(re-exported here), which readers use without importing this module.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from provenance.pipeline.build import process_document
from provenance.records import Document
from provenance.store import anchorindex, bandindex, keyruns, queries, unitmatches
from provenance.store.findings import refresh
from provenance.store.index import Index
from provenance.store.liveness import scan_running
from provenance.store.matching import match_pending
from provenance.store.unfinished import UnfinishedWork, pending_units, unfinished_work

__all__ = [
    "Diagnosis",
    "Repair",
    "UnfinishedWork",
    "check_consistency",
    "diagnose",
    "finish_work",
    "integrity_problems",
    "unfinished_work",
]

_ORPHANS = {
    "paragraphs without a document": "SELECT COUNT(*) FROM paragraphs WHERE doc_id NOT IN (SELECT id FROM documents)",
    "units without a document": "SELECT COUNT(*) FROM units WHERE doc_id NOT IN (SELECT id FROM documents)",
    "unit ranges without a document": "SELECT COUNT(*) FROM doc_units WHERE doc_id NOT IN (SELECT id FROM documents)",
    "units outside their document's unit range": (
        "SELECT COUNT(*) FROM units AS u LEFT JOIN doc_units AS d ON d.doc_id = u.doc_id "
        "WHERE d.doc_id IS NULL OR u.id < d.first OR u.id >= d.stop"
    ),
    "units outside every key run": (
        "SELECT COUNT(*) FROM units AS u WHERE NOT EXISTS "
        "(SELECT 1 FROM key_runs AS r WHERE r.first_unit <= u.id AND u.id < r.stop_unit)"
    ),
    "matches without their units": "SELECT COUNT(*) FROM matches WHERE a NOT IN (SELECT id FROM units) OR b NOT IN (SELECT id FROM units)",
    "findings without their documents": (
        "SELECT COUNT(*) FROM reuses WHERE origin_doc NOT IN (SELECT id FROM documents) "
        "OR copy_doc NOT IN (SELECT id FROM documents)"
    ),
}

#: The lookup structures derived from the runs, checked and rebuilt alike.
_SEGMENTS: tuple[tuple[ModuleType, str], ...] = ((bandindex, "band"), (anchorindex, "anchor"))


@dataclass(frozen=True, slots=True)
class Repair:
    """What ``provenance doctor --repair`` did."""

    mended: tuple[str, ...]  # damage opening the index mended (``Index.repaired``)
    matched_passages: int
    findings: int | None  # findings recomputed, or None when they were current

    def describe(self) -> str:
        done = [*self.mended, f"matched {self.matched_passages} pending passages"]
        if self.findings is not None:
            done.append(f"recomputed the findings ({self.findings} reused passages)")
        return ", ".join(done)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What ``provenance doctor`` reports: the problems found (none: the index is sound)
    and, for its one-line verdict, the size, the last scan and work left undone."""

    problems: list[str]
    documents: int
    last_scan: str | None  # when the latest scan finished, None before the first
    pending_passages: int
    scan_running: bool = False  # a scan is writing the index now: pending work is its own


def diagnose(index: Index, deep: bool = True) -> Diagnosis:
    """SQLite's integrity check, then the index's own (``deep``: re-process every text),
    all of one read snapshot: a scan committing meanwhile is no inconsistency."""
    with index.snapshot() as db:
        running = bool(scan_running(Path(index.path)))
        problems = integrity_problems(index) + check_consistency(index, deep=deep, scan_running=running)
        return Diagnosis(problems, queries.document_count(db), queries.last_scan_finished(db),
                         unfinished_work(index).pending_passages, running)


def finish_work(index: Index) -> Repair:
    """Do what the end of a scan does: match pending passages, recompute stale findings
    (all of them: a repair trusts no stored cluster state). ``provenance doctor --repair``
    runs it on a writable index, so no paths need scanning again."""
    pending = pending_units(index)
    mended = index.repaired
    for segments, kind in _SEGMENTS:
        if broken := segments.problems(index.connection):
            with index.transaction(findings_current=None) as db:
                segments.reset(db)  # derived from the runs: match_pending rebuilds them
            mended += (f"rebuilt the {kind} segments ({len(broken)} malformed)",)
    if broken := unitmatches.problems(index.connection):
        with index.transaction(findings_current=None) as db:
            unitmatches.build(db)  # derived from the matches
        mended += (f"rebuilt the unit match blobs ({'; '.join(broken)})",)
    match_pending(index)
    return Repair(mended, pending, None if index.findings_current else refresh(index, full=True))


def integrity_problems(index: Index) -> list[str]:
    """``PRAGMA integrity_check`` findings (empty when the file is sound)."""
    rows = [row[0] for row in index.connection.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def check_consistency(index: Index, deep: bool = True, scan_running: bool = False) -> list[str]:
    """Problems found, one line each (empty when consistent). ``deep`` reprocesses text;
    ``scan_running``: a scan is writing the index (a first one drops the fingerprint index
    until its end)."""
    db = index.connection
    problems = [f"{count} {what}" for what, sql in _ORPHANS.items() if (count := db.execute(sql).fetchone()[0])]
    problems.extend(_run_problems(index, index.config.num_bands))
    problems.extend(f"{line}; 'provenance doctor --repair' rebuilds it"
                    for segments, _ in _SEGMENTS for line in segments.problems(db))
    problems.extend(f"{line}; 'provenance doctor --repair' rebuilds them" for line in unitmatches.problems(db))
    if not index.has_fingerprint_index() and not scan_running:
        problems.append("the paragraphs' fingerprint index is missing (a first scan was interrupted); "
                        "'provenance doctor --repair' or the next scan builds it")
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


def _run_problems(index: Index, num_bands: int) -> list[str]:
    """Key runs must tile the unit ids without overlap and hold every band of every unit;
    no stored unit may be marked dead."""
    problems = []
    previous_stop = None
    for first, stop, bands, keys, docs, contents in index.connection.execute(
        "SELECT first_unit, stop_unit, bands, length(keys), length(docs), length(contents) FROM key_runs ORDER BY first_unit"
    ):
        size = stop - first
        if size <= 0:
            problems.append(f"key run of units [{first}, {stop}) is empty (an earlier version wrote it for articles too short "
                            "to match); 'provenance doctor --repair' or the next scan removes it")
        elif bands != num_bands or keys != 8 * size * num_bands or docs != 8 * size or contents != 8 * size:
            problems.append(f"key run of units [{first}, {stop}) is malformed (not all {num_bands} band keys of each unit)")
        if previous_stop is not None and first < previous_stop:
            problems.append(f"key runs overlap at unit {first}")
        previous_stop = stop
    dead_but_stored = index.connection.execute(
        "SELECT COUNT(*) FROM units AS u WHERE EXISTS (SELECT 1 FROM dead_units AS d WHERE d.first <= u.id AND u.id < d.stop)"
    ).fetchone()[0]
    if dead_but_stored:
        problems.append(f"{dead_but_stored} stored units are marked deleted")
    return problems


def _stored_keys(index: Index, first: int, stop: int, num_bands: int) -> np.ndarray:
    """The band keys stored for a document's units ``[first, stop)``, ``units x bands``
    (a batch too large for one row spreads them over several runs)."""
    db = index.connection
    if stop <= first:
        return np.zeros((0, num_bands), dtype=np.int64)
    runs = [keyruns.Run(*row) for row in db.execute(
        "SELECT id, first_unit, stop_unit FROM key_runs WHERE stop_unit > ? AND first_unit < ? ORDER BY first_unit",
        (first, stop))]
    if not runs or runs[0].first_unit > first or runs[-1].stop_unit < stop or any(
            before.stop_unit != after.first_unit for before, after in itertools.pairwise(runs)):
        return np.zeros((0, num_bands), dtype=np.int64)  # reported as a difference
    with keyruns.BandReader(db) as reader:
        return np.stack([np.concatenate([reader.read(run, band, range(max(first, run.first_unit), min(stop, run.stop_unit)))
                                         for run in runs]) for band in range(num_bands)], axis=1)


def _document_problems(index: Index, doc_id: int, path: str, text: str, body_start: int) -> list[str]:
    document = Document(path=path, source="", text=text, content_hash="", encoding="", body_start=body_start)
    expected = process_document(document, index.config)
    db = index.connection
    paragraphs = db.execute("SELECT start, end FROM paragraphs WHERE doc_id = ? ORDER BY idx", (doc_id,)).fetchall()
    # Paragraph units have rows at their ids' offsets in the article's range; segments
    # only their band keys, compared below.
    span = db.execute("SELECT first, stop FROM doc_units WHERE doc_id = ?", (doc_id,)).fetchone()
    first, stop = span if span is not None else (0, 0)
    units = db.execute("SELECT id - ?, start, end FROM units WHERE doc_id = ? ORDER BY id", (first, doc_id)).fetchall()
    wanted = [(at, u.start, u.end) for at, u in enumerate(expected.units) if u.kind == "paragraph"]
    problems = []
    if paragraphs != [(p.start, p.end) for p in expected.paragraphs]:
        problems.append(f"{path}: stored passages differ from its text ({len(paragraphs)} stored, {len(expected.paragraphs)} expected)")
    if units != wanted or stop - first != len(expected.units):
        problems.append(f"{path}: stored units differ from its text ({stop - first} stored, {len(expected.units)} expected)")
    elif not np.array_equal(_stored_keys(index, first, stop, expected.keys.shape[1]), expected.keys):
        problems.append(f"{path}: stored band keys differ from its text")
    return problems
