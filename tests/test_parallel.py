"""The same corpus gives the same report, byte for byte, however it is scanned: one
process or two, small batches or large, in one run or in several."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def corpus(generated_corpus_150: Path) -> Path:
    return generated_corpus_150


def _report(run_cli, corpus: Path, index: str, *scan_args: str) -> str:
    scanned = run_cli("scan", str(corpus), "--index", index, "-q", *scan_args)
    assert scanned.code == 0, scanned.err
    result = run_cli("report", "--format", "json", "--index", index)
    assert result.code == 0, result.err
    return result.out


def test_one_and_two_workers_give_byte_identical_reports(run_cli, corpus):
    serial = _report(run_cli, corpus, "serial.sqlite", "--workers", "1", "--batch-size", "16")
    parallel = _report(run_cli, corpus, "parallel.sqlite", "--workers", "2", "--batch-size", "16")
    assert '"reuses": [\n    {' in serial  # there is something to compare
    assert parallel == serial


def test_batch_size_and_incremental_runs_do_not_change_the_report(run_cli, corpus, tmp_path):
    whole = _report(run_cli, corpus, "whole.sqlite", "--workers", "1", "--batch-size", "200")
    staged = tmp_path / "staged"
    folders = sorted(p for p in corpus.iterdir() if p.is_dir())
    for count in range(1, len(folders) + 1):  # one more outlet folder per run
        staged.mkdir(exist_ok=True)
        shutil.copytree(folders[count - 1], staged / folders[count - 1].name)
        incremental = _report(run_cli, staged, "staged.sqlite", "--workers", "1", "--batch-size", "7")
    assert incremental == whole
