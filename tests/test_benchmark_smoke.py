"""The benchmark suite's code, run once on a tiny corpus in the default test run (the real
benchmarks are skipped there; see README "Benchmarks")."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from benchmarks import test_throughput as throughput
from benchmarks.conftest import Corpus
from benchmarks.corpus import CorpusSpec, generate_corpus
from benchmarks.measure import units_of
from benchmarks.results import load_rows, render_markdown


class OnceBenchmark:
    """Stands in for pytest-benchmark's fixture: runs the function once, keeps extra_info."""

    def __init__(self) -> None:
        self.extra_info: dict[str, Any] = {}

    def pedantic(self, function, setup=None, rounds=1, iterations=1, warmup_rounds=0):  # type: ignore[no-untyped-def]
        self.warmups = warmup_rounds
        for _ in range(warmup_rounds):
            function()
        if setup is not None:
            setup()
        return function()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("bench") / "corpus"
    truth = generate_corpus(root, CorpusSpec(num_articles=40, seed=2))
    (root / "ground_truth.json").unlink()
    return Corpus(40, root, truth)


def test_scan_benchmark_runs_once_and_records_what_results_need(tiny, tmp_path):
    benchmark = OnceBenchmark()
    throughput.test_scan_full(benchmark, tiny, tmp_path, workers=1)
    info = benchmark.extra_info
    assert info["mb_per_s"] > 0 and info["passages"] > 0 and info["peak_rss_mb"] > 0
    assert 0.0 <= info["recall"] <= 1.0 and info["corpus_articles"] == 40
    data = {"benchmarks": [{"name": "test_scan_full[0k-1]", "params": {"workers": 1}, "extra_info": info,
                            "stats": {"mean": info["seconds"]}}], "machine_info": {}, "datetime": "now"}
    (tmp_path / "results.json").write_text(json.dumps(data))
    markdown = render_markdown(*load_rows(tmp_path / "results.json"), plot_name=None)
    assert "full `scan`, 1 process" in markdown and "| 40 |" in markdown


def test_signers_and_candidate_search_run_on_corpus_passages(tiny):
    passages = units_of(tiny.root, limit=300)
    ours = throughput.sign_ours(passages)
    assert ours.shape == (300, 128)
    # Different shingle hashes (xxh3 words vs sha1 strings) give different signatures, but
    # both find the same candidate structure on copied passages.
    anchor = throughput.sign_datasketch_update_batch(passages.head(50))
    assert anchor.shape == (50, 128) and not np.array_equal(anchor, ours[:50])
    pairs = throughput.search_candidates(throughput.band_members(ours, passages))
    assert pairs.shape[1] == 2 and len(pairs) and np.all(pairs[:, 0] < pairs[:, 1])


def test_check_and_trace_benchmarks_leave_the_index_unchanged(tiny, tmp_path):
    from benchmarks import test_lookup as lookup
    from provenance import Index, ScanOptions, scan

    index_path = tmp_path / "base.sqlite"
    held = set(map(str, tiny.held_out()))
    with Index.open(index_path) as index:
        scan([path for path in tiny.articles if str(path) not in held], index, ScanOptions(workers=1))
    for run in (lookup.test_check_in_place, lookup.test_trace_stdin):
        benchmark = OnceBenchmark()
        run(benchmark, tiny, index_path)
        info = benchmark.extra_info
        assert info["index_unchanged"] and info["seconds"] > 0 and info["peak_rss_mb"] > 0


def test_signature_benchmark_records_a_warm_run(tiny):
    """Each signer runs once unmeasured, then once measured (see _signature_benchmark)."""
    benchmark = OnceBenchmark()
    throughput._signature_benchmark(benchmark, tiny, units_of(tiny.root, limit=50), "ours")
    assert benchmark.warmups == 1 and benchmark.extra_info["signer"] == "ours"


def test_peak_rss_of_children_leaves_out_those_alive_before(tmp_path):
    """A process started before the block (a cluster winding down) is not the command's."""
    pytest.importorskip("psutil")
    import subprocess
    import sys

    from benchmarks.measure import PeakRSS

    hog = "import time; x = bytearray(200 * 2**20); time.sleep(30)"
    before = subprocess.Popen([sys.executable, "-c", hog])
    try:
        peak = PeakRSS(interval=0.05, children_only=True)
        with peak:
            subprocess.run([sys.executable, "-c", "import time; time.sleep(0.3)"], check=True)
        assert peak.megabytes < 150
    finally:
        before.kill()
        before.wait()

