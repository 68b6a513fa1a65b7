"""Throughput benchmarks, one benchmarked function each, parametrised over corpus size.

Signatures are measured side by side with the anchors on the *same passages* (the
paragraphs and segments ``scan`` signs, normalised words prepared beforehand): ours (the
native stage, held to one thread as rensa is), datasketch ``MinHash.update`` per
shingle, datasketch ``update_batch`` and rensa's ``RMinHash``. Each
benchmark records in ``extra_info``: MB/s (passage or article text), passages/s, peak RSS
(this process and its workers) and the recall of planted reuse. Run them with the command
in the README ("Benchmarks"); ``python -m benchmarks.results`` turns the JSON into
``benchmarks/RESULTS.md`` and a plot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xxhash

from benchmarks.conftest import Corpus, copy_index
from benchmarks.corpus import evaluate
from benchmarks.measure import PeakRSS, Units, candidate_recall, record, timed
from provenance import Index
from provenance import _native as native
from provenance.config import Config
from provenance.pipeline.lsh import Members, band_keys, candidate_pairs, lsh_params, unique_pairs
from provenance.pipeline.minhash import permutations
from provenance.pipeline.shingle import word_hashes
from provenance.report.model import build_report

CONFIG = Config()
SHINGLE = CONFIG.shingle.size
NUM_PERM, SEED = CONFIG.minhash.num_perm, CONFIG.minhash.seed
CHECKED_ARTICLES = 100


# -- the signers, all from the same normalised words -----------------------------------------


def _shingle_strings(words: list[str]) -> list[str]:
    return [" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))]


def sign_ours(passages: Units) -> np.ndarray:
    """The native signature stage on one thread (as rensa runs), over all passages at
    once: word hashes (one call), shingle sets (one call), MinHash (one call)."""
    words = [word for passage in passages.words for word in passage]
    bounds = np.zeros(len(passages) + 1, dtype=np.int64)
    np.cumsum([len(passage) for passage in passages.words], out=bounds[1:])
    sets, offsets = native.shingle_sets(word_hashes(words), bounds, SHINGLE, threads=1)
    a, b = permutations(NUM_PERM, SEED)
    return native.minhash_signatures(sets, offsets, a, b, threads=1)


def sign_datasketch_update(passages: Units) -> np.ndarray:
    from datasketch import MinHash

    out = np.empty((len(passages), NUM_PERM), dtype=np.uint32)
    for row, words in enumerate(passages.words):
        sketch = MinHash(num_perm=NUM_PERM, seed=SEED)
        for shingle in _shingle_strings(words):
            sketch.update(shingle.encode("utf-8"))
        out[row] = sketch.hashvalues
    return out


def sign_datasketch_update_batch(passages: Units) -> np.ndarray:
    from datasketch import MinHash

    out = np.empty((len(passages), NUM_PERM), dtype=np.uint32)
    for row, words in enumerate(passages.words):
        sketch = MinHash(num_perm=NUM_PERM, seed=SEED)
        sketch.update_batch([shingle.encode("utf-8") for shingle in _shingle_strings(words)])
        out[row] = sketch.hashvalues
    return out


def sign_rensa(passages: Units) -> np.ndarray:
    from rensa import RMinHash

    out = np.empty((len(passages), NUM_PERM), dtype=np.uint32)
    for row, words in enumerate(passages.words):
        sketch = RMinHash(num_perm=NUM_PERM, seed=SEED)
        sketch.update(_shingle_strings(words))
        out[row] = sketch.digest()
    return out


SIGNERS = {
    "ours": sign_ours,
    "datasketch_update": sign_datasketch_update,
    "datasketch_update_batch": sign_datasketch_update_batch,
    "rensa": sign_rensa,
}


def band_members(signatures: np.ndarray, passages: Units) -> list[Members]:
    """Bucket members of every passage, band by band: our bands/rows; documents from the
    article paths; exact copies recognised by equal signatures."""
    num_bands, rows_per_band = lsh_params(CONFIG.lsh.threshold, NUM_PERM)
    keys = band_keys(signatures, num_bands, rows_per_band)
    docs = np.unique(np.asarray(passages.paths), return_inverse=True)[1].astype(np.int64)
    content = np.fromiter((xxhash.xxh3_64_intdigest(row.tobytes()) >> 1 for row in signatures), np.int64, len(signatures))
    units = np.arange(len(signatures), dtype=np.int64)
    return [Members(np.ascontiguousarray(keys[:, band]), units, docs, content) for band in range(num_bands)]


def search_candidates(members: list[Members]) -> np.ndarray:
    """All candidate pairs ``(n, 2)`` of a corpus, one band at a time (bounded memory)."""
    return unique_pairs([candidate_pairs(band, CONFIG.lsh, 0) for band in members])


# -- signatures ------------------------------------------------------------------------------


def _signature_benchmark(benchmark: Any, corpus: Corpus, passages: Units, signer: str) -> None:
    peak = PeakRSS()
    # Every signer runs once unmeasured first: a signer's first run in a process is slower
    # on this VM (ours at 10k: 2.2 s, then 1.2 s, while it first touches ~0.4 GB of fresh
    # arrays), and a signature stage in a pipeline runs warm.
    with peak:
        signatures, seconds = benchmark.pedantic(lambda: timed(SIGNERS[signer], passages), rounds=1, iterations=1,
                                                 warmup_rounds=1)
    pairs = search_candidates(band_members(signatures, passages))
    record(benchmark, seconds=seconds, megabytes=passages.megabytes, passages=len(passages), peak=peak,
           signer=signer, corpus_articles=corpus.size,
           recall=round(candidate_recall(map(tuple, pairs.tolist()), passages, corpus.truth), 4))


def test_signatures_ours(benchmark, corpus, passages):
    _signature_benchmark(benchmark, corpus, passages, "ours")


def test_signatures_datasketch_update(benchmark, corpus, passages):
    _signature_benchmark(benchmark, corpus, passages, "datasketch_update")


def test_signatures_datasketch_update_batch(benchmark, corpus, passages):
    _signature_benchmark(benchmark, corpus, passages, "datasketch_update_batch")


def test_signatures_rensa(benchmark, corpus, passages):
    pytest.importorskip("rensa", reason="pip install -e '.[bench]'")
    _signature_benchmark(benchmark, corpus, passages, "rensa")


# -- candidate search ------------------------------------------------------------------------


def test_candidate_search(benchmark, corpus, passages):
    members = band_members(sign_ours(passages), passages)
    peak = PeakRSS()
    with peak:
        pairs, seconds = benchmark.pedantic(lambda: timed(search_candidates, members), rounds=1, iterations=1)
    record(benchmark, seconds=seconds, megabytes=passages.megabytes, passages=len(passages), peak=peak,
           corpus_articles=corpus.size, pairs=len(pairs),
           recall=round(candidate_recall(map(tuple, pairs.tolist()), passages, corpus.truth), 4))


# -- scan, incremental scan, check -----------------------------------------------------------


def run_scan(corpus: Corpus, index_path: Path, workers: int, peak: PeakRSS, batch_size: int = 256,
             engine: str = "local") -> dict[str, Any]:
    """``provenance scan`` of the whole corpus into ``index_path``, as a command (so its
    peak memory, workers included, is its own); then what the benchmark records (``stats``:
    the full per-kind :func:`benchmarks.corpus.evaluate` of its report)."""
    command = [sys.executable, "-m", "provenance", "scan", str(corpus.root), "--index", str(index_path),
               "--workers", str(workers), "--batch-size", str(batch_size), "--engine", engine, "-q"]
    with peak:
        done, seconds = timed(subprocess.run, command)
    assert done.returncode == 0, f"{' '.join(command)} exited with {done.returncode}"
    with Index.open(index_path, readonly=True) as index:
        passages = index.connection.execute("SELECT COALESCE(SUM(stop - first), 0) FROM doc_units").fetchone()[0]
        documents = index.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        report = build_report(index)
    stats = evaluate(report, corpus.truth)
    quality = stats["overall"]
    return {"seconds": seconds, "passages": passages, "documents": documents, "findings": len(report["reuses"]),
            "recall": round(quality["recall"], 4), "precision": round(quality["precision"], 4), "stats": stats}


@pytest.mark.parametrize("workers", [1, 2], ids=lambda n: f"workers{n}")
def test_scan_full(benchmark, corpus, tmp_path, workers):
    index_path = tmp_path / "fresh.sqlite"
    peak = PeakRSS(children_only=True)
    result = benchmark.pedantic(lambda: run_scan(corpus, index_path, workers, peak), rounds=1, iterations=1)
    record(benchmark, seconds=result["seconds"], megabytes=corpus.megabytes, passages=result["passages"], peak=peak,
           corpus_articles=corpus.size, workers=workers, recall=result["recall"], precision=result["precision"],
           findings=result["findings"], index_mb=round(os.path.getsize(index_path) / 1e6, 1))


def test_scan_incremental(benchmark, corpus, base_index, tmp_path):
    index_path = tmp_path / "incremental.sqlite"
    new = corpus.held_out()
    peak = PeakRSS(children_only=True)

    def setup() -> tuple[tuple, dict]:
        copy_index(base_index, index_path)
        return (), {}

    result = benchmark.pedantic(lambda: run_scan(corpus, index_path, 2, peak), setup=setup, rounds=1, iterations=1)
    assert result["documents"] == corpus.size
    with Index.open(base_index, readonly=True) as base:
        before = base.connection.execute("SELECT COALESCE(SUM(stop - first), 0) FROM doc_units").fetchone()[0]
    record(benchmark, seconds=result["seconds"], megabytes=sum(p.stat().st_size for p in new) / 1e6,
           passages=result["passages"] - before, peak=peak, corpus_articles=corpus.size, new_articles=len(new),
           recall=result["recall"], precision=result["precision"])


def test_check(benchmark, corpus, base_index):
    from provenance.ci.check import run_check

    checked = corpus.held_out()[:CHECKED_ARTICLES]
    peak = PeakRSS()
    with peak:
        result, seconds = benchmark.pedantic(lambda: timed(run_check, checked, base_index), rounds=1, iterations=1)
    record(benchmark, seconds=seconds, megabytes=sum(p.stat().st_size for p in checked) / 1e6,
           passages=result.checked, peak=peak, corpus_articles=corpus.size, checked_articles=len(checked),
           recall=round(_check_recall(result, checked, corpus.truth), 4))


def _check_recall(result: Any, checked: list[Path], truth: dict[str, Any]) -> float:
    """Share of planted reuse copied into a checked article that ``check`` reports (file
    names compared: the scratch index names checked articles by file name)."""
    names = {path.name for path in checked}
    found = planted = 0
    reported = [(f.origin.path.rsplit("/", 1)[-1], f.origin.start, f.origin.end,
                 f.copy.path.rsplit("/", 1)[-1], f.copy.start, f.copy.end) for f in result.findings]
    for reuse in truth["reuses"]:
        origin, copy = reuse["origin"], reuse["copy"]
        copy_name = copy["path"].rsplit("/", 1)[-1]
        if copy_name not in names:
            continue
        origin_name = origin["path"].rsplit("/", 1)[-1]
        planted += 1
        found += any(o == origin_name and os_ < origin["end"] and origin["start"] < oe and c == copy_name
                     and cs < copy["end"] and copy["start"] < ce for o, os_, oe, c, cs, ce in reported)
    return found / planted if planted else 1.0
