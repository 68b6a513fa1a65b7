"""Two scans on one index, and readers while a scan writes: never a corrupt index or a
lost document; readers see committed data only."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.corpus import CorpusSpec, generate_corpus
from provenance import Index
from provenance.store.health import check_consistency, integrity_problems


def provenance(*args: str) -> list[str]:
    return [sys.executable, "-m", "provenance", *args]


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("concurrency")
    generate_corpus(root / "all", CorpusSpec(num_articles=90, seed=9))
    first, second = root / "first", root / "second"
    for target in (first, second):
        target.mkdir()
    for number, path in enumerate(sorted((root / "all").rglob("*.txt"))):
        target = (first if number % 2 else second) / path.relative_to(root / "all")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return root, first, second


def _documents(index: Path) -> int:
    with Index.open(index) as opened:
        assert integrity_problems(opened) == [] and check_consistency(opened) == []
        return opened.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]


def test_two_scans_of_different_folders_both_land(halves, tmp_path):
    _, first, second = halves
    index = tmp_path / "shared.sqlite"
    a = subprocess.Popen(provenance("scan", str(first), "--index", str(index), "--batch-size", "4", "-q"), stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(provenance("scan", str(second), "--index", str(index), "--batch-size", "4", "-q"), stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=600), p.stderr.read()) for p in (a, b)]
    assert all(code == 0 for code, _ in results), results
    expected = sum(1 for _ in first.rglob("*.txt")) + sum(1 for _ in second.rglob("*.txt"))
    assert _documents(index) == expected


def test_two_scans_of_the_same_folder_lose_nothing(halves, tmp_path):
    _, first, _ = halves
    index = tmp_path / "same.sqlite"
    runs = [subprocess.Popen(provenance("scan", str(first), "--index", str(index), "--batch-size", "4", "-q"),
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in runs]
    for code, err in results:
        assert code == 0 or (code == 2 and "busy" in err and err.count("\n") == 1), results
    assert _documents(index) == sum(1 for _ in first.rglob("*.txt"))
    sequential = tmp_path / "sequential.sqlite"
    subprocess.run(provenance("scan", str(first), "--index", str(sequential), "-q"), check=True)
    report = provenance("report", "--format", "json", "--index")
    assert (subprocess.run([*report, str(index)], capture_output=True, check=True).stdout
            == subprocess.run([*report, str(sequential)], capture_output=True, check=True).stdout)


def test_readers_work_while_a_scan_writes_and_see_committed_data(halves, tmp_path):
    root, _, _ = halves
    index = tmp_path / "busy.sqlite"
    subprocess.run(provenance("scan", str(halves[1]), "--index", str(index), "-q"), check=True)
    writer = subprocess.Popen(provenance("scan", str(root / "all"), "--index", str(index), "--batch-size", "2", "-q"))
    seen = []
    try:
        while writer.poll() is None and len(seen) < 8:
            done = subprocess.run(provenance("report", "--format", "json", "--index", str(index)), capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            seen.append(len(json.loads(done.stdout)["documents"]))
            trace = subprocess.run(provenance("doctor", "--quick", "--index", str(index)), capture_output=True, text=True, check=False)
            assert trace.returncode == 0, trace.stderr
            time.sleep(0.2)
    finally:
        assert writer.wait(timeout=600) == 0
    assert seen and seen == sorted(seen)  # committed batches only ever add documents
