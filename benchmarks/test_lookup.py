"""``check`` and ``trace -`` against a cached index, each run as the command a user runs
(start-up included, so its peak memory is its own), with the index's bytes compared
before and after: both work in a sandbox of the index (writes rolled back), so the file
must come out unchanged and nothing may be left beside it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from benchmarks.conftest import Corpus
from benchmarks.measure import PeakRSS, record, timed

CHECKED_ARTICLES = 100


def _state(index: Path) -> tuple:
    """What must not change: every file beside the index (name, size, mtime) and the
    index's bytes (hashed in full up to 1 GB; beyond, its first and last 64 MB)."""
    digest = hashlib.sha256()
    size = index.stat().st_size
    with index.open("rb") as handle:
        if size <= 1 << 30:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
        else:
            digest.update(handle.read(64 << 20))
            handle.seek(size - (64 << 20))
            digest.update(handle.read())
    beside = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in index.parent.iterdir() if p.is_file())
    return digest.hexdigest(), beside


def _command(arguments: list[str], peak: PeakRSS, stdin: bytes | None = None) -> tuple[subprocess.CompletedProcess, float]:
    command = [sys.executable, "-m", "provenance", *arguments]
    with peak:
        done, seconds = timed(lambda: subprocess.run(command, input=stdin, capture_output=True, check=False))
    assert done.returncode in (0, 1), f"{' '.join(command)} exited with {done.returncode}: {done.stderr.decode()[-500:]}"
    return done, seconds


def test_check_in_place(benchmark, corpus: Corpus, base_index: Path):
    checked = corpus.held_out()[:CHECKED_ARTICLES]
    before = _state(base_index)
    peak = PeakRSS(children_only=True)
    (done, seconds) = benchmark.pedantic(
        lambda: _command(["check", *map(str, checked), "--index", str(base_index), "--format", "json"], peak),
        rounds=1, iterations=1)
    assert _state(base_index) == before
    record(benchmark, seconds=seconds, megabytes=sum(p.stat().st_size for p in checked) / 1e6, passages=len(checked),
           peak=peak, corpus_articles=corpus.size, checked_articles=len(checked), index_unchanged=True,
           findings=done.stdout.count(b'"fingerprint"'))


def test_trace_stdin(benchmark, corpus: Corpus, base_index: Path):
    article = corpus.held_out()[0]
    before = _state(base_index)
    peak = PeakRSS(children_only=True)
    (done, seconds) = benchmark.pedantic(
        lambda: _command(["trace", "-", "--index", str(base_index), "--format", "json"], peak, article.read_bytes()),
        rounds=1, iterations=1)
    assert _state(base_index) == before and b'"indexed": false' in done.stdout
    record(benchmark, seconds=seconds, megabytes=article.stat().st_size / 1e6, passages=done.stdout.count(b'"status"'),
           peak=peak, corpus_articles=corpus.size, index_unchanged=True,
           reused=done.stdout.count(b'"status": "reused"'))
