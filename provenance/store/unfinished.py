"""Work an interrupted scan left undone: passages not matched yet, findings out of date;
or, while a scan runs (:mod:`~provenance.store.liveness`), work it has yet to do.

Every reader warns about it (``report``, ``trace``, ``check``), so it lives apart from
:mod:`~provenance.store.health` (``doctor``), which imports the whole matching and
findings machinery to finish the work; reading how much is left needs none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provenance.store import keyruns
from provenance.store.index import Index
from provenance.store.liveness import scan_running

__all__ = ["UnfinishedWork", "pending_units", "unfinished_work"]


@dataclass(frozen=True, slots=True)
class UnfinishedWork:
    """What an interrupted scan left: passages whose matches were never searched for, and
    stored findings older than the last write. Reports read from such an index miss reuse."""

    pending_passages: int
    findings_stale: bool
    #: A scan is writing the index now: the work is its own, not an interrupted one's.
    scan_running: bool = False

    def __bool__(self) -> bool:
        return bool(self.pending_passages) or self.findings_stale

    def warning(self, path: object, copied: bool = False) -> str | None:
        """One line for stderr naming the command that finishes the work; ``copied``:
        the caller (``check``) finished it in a scratch copy of the index."""
        if self.scan_running and self:
            head = f"a scan is writing {path} now"
            if self.pending_passages and copied:
                return f"{head}; this check matched its {self.pending_passages} passages not matched yet in its copy"
            if self.pending_passages:
                return f"{head}; {self.pending_passages} of its passages are not matched yet, so reuse may be missing"
            return None if copied else f"{head}; its findings are not up to date yet"
        fix = f"run 'provenance doctor --repair --index {path}'"
        if self.pending_passages:
            head = f"{self.pending_passages} passages of {path} are not matched yet (an interrupted scan?)"
            if copied:
                return f"{head}; this check matched them in its copy of the index, which takes longer: {fix} to finish them"
            return f"{head}, so reuse may be missing; {fix} (or scan the same paths again) to finish"
        if self.findings_stale and not copied:
            return f"the findings in {path} are out of date (an interrupted scan?); {fix} to recompute them"
        return None


def pending_units(index: Index) -> int:
    """How many stored units still wait for their candidates."""
    first_new = index.matched_through
    return sum(max(0, run.stop_unit - max(run.first_unit, first_new)) for run in keyruns.runs(index.connection))


def unfinished_work(index: Index) -> UnfinishedWork:
    work = UnfinishedWork(pending_units(index), not index.findings_current)
    if work and scan_running(Path(index.path)):
        return UnfinishedWork(work.pending_passages, work.findings_stale, scan_running=True)
    return work
