"""Local vs Dask engine: the same full ``scan`` on a LocalCluster of 1 and 2 workers.

Compared with ``test_scan_full`` (the local engine, 1 and 2 processes) in the same run,
this gives the Dask engine's overhead on one machine and its scaling from 1 to 2
workers; both feed the README's paper plan for larger clusters. The reports must be
identical to the local engine's (the tests check that on small corpora; here recall and
precision are recorded so a difference would show).
"""

from __future__ import annotations

import os
import sys

import pytest

from benchmarks.measure import PeakRSS, record
from benchmarks.test_throughput import run_scan

pytest.importorskip("distributed", reason="the Dask engine needs the 'dask' extra")


@pytest.mark.parametrize("workers", [1, 2], ids=lambda n: f"workers{n}")
def test_scan_dask(benchmark, corpus, tmp_path, workers):
    index_path = tmp_path / "dask.sqlite"
    peak = PeakRSS(children_only=True)
    result = benchmark.pedantic(lambda: run_scan(corpus, index_path, workers, peak, engine="dask"), rounds=1, iterations=1)
    record(benchmark, seconds=result["seconds"], megabytes=corpus.megabytes, passages=result["passages"], peak=peak,
           corpus_articles=corpus.size, workers=workers, engine="dask", recall=result["recall"],
           precision=result["precision"], findings=result["findings"], index_mb=round(os.path.getsize(index_path) / 1e6, 1),
           python=sys.version.split()[0])
