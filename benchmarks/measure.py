"""What every benchmark records beside its time: throughput, peak memory and recall.

* :class:`PeakRSS` samples the resident memory of this process *and its children* (the
  scan's worker processes) in a background thread, so each benchmark gets its own peak
  rather than the lifetime maximum ``ru_maxrss`` would give. Scans run as a
  ``provenance scan`` command and report that command's peak (workers included); stages
  measured in-process report the peak they *added* above what was resident before.
* :func:`units_of` cuts a generated corpus into the passages ``scan`` signs (paragraphs
  and their sentence-run segments), with their normalised words: the same passages are
  fed to our signatures and to every anchor.
* :func:`candidate_recall` scores candidate pairs against the planted reuse, the way
  :func:`benchmarks.corpus.evaluate` scores a report.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, Self

from provenance.config import Config
from provenance.ingest.load import Skipped, iter_sources, load_document
from provenance.pipeline.batch import process_batch
from provenance.pipeline.normalise import tokenise

__all__ = ["PeakRSS", "Units", "candidate_recall", "record", "units_of"]

MB = 1_000_000


class PeakRSS:
    """``with PeakRSS() as peak: ...``; then ``peak.megabytes`` (process + children) or
    ``peak.added_megabytes``. ``children_only`` measures only child processes started in
    the block (not one still winding down from before), e.g. a
    ``provenance scan`` run as a command. Sampling a process tree with psutil is not free:
    at 20 ms it took ~65 % of a core from the 2-core machine being measured, so the
    default interval is 250 ms (peaks of runs that long last far longer than that)."""

    def __init__(self, interval: float = 0.25, *, children_only: bool = False) -> None:
        self.interval = interval
        self.children_only = children_only
        self.baseline = 0
        self.peak = 0
        self._before: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _child_pids() -> set[int]:
        try:
            import psutil
        except ImportError:
            return set()
        return {child.pid for child in psutil.Process().children(recursive=True)}

    def _sample(self) -> int:
        try:
            import psutil
        except ImportError:  # the default test run has no psutil: lifetime peaks will do
            import resource

            peak = 0 if self.children_only else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return 1024 * (peak + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        me = psutil.Process()
        total = 0 if self.children_only else me.memory_info().rss
        for child in me.children(recursive=True):
            if self.children_only and child.pid in self._before:
                continue  # alive before the block (a cluster of an earlier benchmark winding down)
            try:
                total += child.memory_info().rss
            except psutil.Error:  # exited between listing and reading
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._before = self._child_pids() if self.children_only else set()
        self.peak = self.baseline = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())

    @property
    def megabytes(self) -> float:
        """Peak resident memory (children only: the processes started inside the block)."""
        return self.peak / MB

    @property
    def added_megabytes(self) -> float:
        """Peak above what was resident on entry: the memory the measured stage added."""
        return (self.peak - self.baseline) / MB


@dataclass(slots=True)
class Units:
    """The passages of a corpus as ``scan`` cuts them, in scan order."""

    paths: list[str]  # display path of each unit's article
    spans: list[tuple[int, int]]
    words: list[list[str]]
    text_bytes: list[int]  # UTF-8 size of each unit's text

    def __len__(self) -> int:
        return len(self.words)

    def head(self, count: int) -> Units:
        return Units(self.paths[:count], self.spans[:count], self.words[:count], self.text_bytes[:count])

    @property
    def megabytes(self) -> float:
        return sum(self.text_bytes) / MB


def units_of(corpus: Path, config: Config | None = None, limit: int | None = None) -> Units:
    """Paragraph and segment units of ``corpus`` (at most ``limit``), as ``scan`` makes them."""
    config = config or Config()
    units = Units([], [], [], [])
    for source in iter_sources([corpus]):
        if isinstance(source, Skipped):
            continue
        document = load_document(source, UTC)
        batch = process_batch([document], config, keep_documents=False)
        for start, end in zip(batch.unit_start.tolist(), batch.unit_end.tolist(), strict=True):
            units.paths.append(document.path)
            units.spans.append((start, end))
            units.words.append([token.text for token in tokenise(document.text, start, end)])
            units.text_bytes.append(len(document.text[start:end].encode("utf-8", "surrogatepass")))
            if limit is not None and len(units) >= limit:
                return units
    return units


def candidate_recall(pairs: Iterable[tuple[int, int]], units: Units, truth: dict[str, Any]) -> float:
    """Share of planted reuse (both sides among ``units``) linked by some candidate pair
    whose two units overlap the planted origin and copy spans."""
    by_path: dict[str, list[int]] = defaultdict(list)
    for index, path in enumerate(units.paths):
        by_path[path].append(index)
    linked: dict[tuple[str, str], list[tuple[tuple[int, int], tuple[int, int]]]] = defaultdict(list)
    for a, b in pairs:
        for left, right in ((a, b), (b, a)):
            linked[(units.paths[left], units.paths[right])].append((units.spans[left], units.spans[right]))
    found = planted = 0
    for reuse in truth["reuses"]:
        origin, copy = reuse["origin"], reuse["copy"]
        if origin["path"] not in by_path or copy["path"] not in by_path:
            continue
        planted += 1
        found += any(
            o[0] < origin["end"] and origin["start"] < o[1] and c[0] < copy["end"] and copy["start"] < c[1]
            for o, c in linked.get((origin["path"], copy["path"]), [])
        )
    return found / planted if planted else 1.0


def record(benchmark: Any, *, seconds: float, megabytes: float, passages: int, peak: PeakRSS, **extra: Any) -> None:
    """Store the common ``extra_info`` fields (throughput from the measured ``seconds``)."""
    benchmark.extra_info.update(
        {
            "seconds": round(seconds, 4),
            "megabytes": round(megabytes, 3),
            "mb_per_s": round(megabytes / seconds, 3) if seconds else None,
            "passages": passages,
            "passages_per_s": round(passages / seconds, 1) if seconds else None,
            "peak_rss_mb": round(peak.megabytes if peak.children_only else peak.added_megabytes, 1),
            **extra,
        }
    )


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started
