"""Detection quality per planted kind, beside the time of the scan that produced it.

One benchmarked function, parametrised over corpus size like the throughput suite: a full
``provenance scan`` (2 workers) of the generated corpus, then its report scored by
:func:`benchmarks.corpus.evaluate`. ``extra_info`` holds, besides the usual throughput
fields, ``quality`` (per kind: planted, found, recall, span_accuracy, origin_accuracy,
reported, precision), ``hard_negatives`` (per negative kind: pairs, hit, findings),
``negative_findings`` and ``unmatched``; the per-kind table is printed (``-s`` shows it)
and ``python -m benchmarks.results`` renders it into RESULTS.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.conftest import Corpus
from benchmarks.corpus import format_table
from benchmarks.measure import PeakRSS, record
from benchmarks.test_throughput import run_scan

_METRICS = ("planted", "found", "recall", "span_accuracy", "origin_accuracy", "reported", "precision")


def per_kind(stats: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """The per-kind rows of ``evaluate`` (and ``overall``), ratios rounded to 4 places."""
    out = {}
    for kind, row in stats.items():
        if kind in ("unmatched", "negatives") or not (row["planted"] or row["reported"]):
            continue
        out[kind] = {m: round(row[m], 4) if isinstance(row[m], float) else row[m] for m in _METRICS}
    return out


def test_detection_quality(benchmark: Any, corpus: Corpus, tmp_path: Path) -> None:
    index_path = tmp_path / "quality.sqlite"
    peak = PeakRSS(children_only=True)
    result = benchmark.pedantic(lambda: run_scan(corpus, index_path, 2, peak), rounds=1, iterations=1)
    stats = result["stats"]
    negatives = stats["negatives"]
    record(benchmark, seconds=result["seconds"], megabytes=corpus.megabytes, passages=result["passages"],
           peak=peak, corpus_articles=corpus.size, workers=2, recall=result["recall"],
           precision=result["precision"], findings=result["findings"], quality=per_kind(stats),
           hard_negatives={kind: {"pairs": row["planted"], "hit": row["hit"], "findings": row["findings"]}
                           for kind, row in negatives["kinds"].items()},
           negative_findings=negatives["findings"], unmatched=stats["unmatched"]["reported"])
    print(f"\ndetection quality, {corpus.size:,} generated articles\n{format_table(stats)}")
