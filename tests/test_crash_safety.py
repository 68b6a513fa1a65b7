"""A killed scan never corrupts the index; a rerun gives the uninterrupted answer.

The harness runs ``provenance scan`` as a real process over a generated corpus, kills
it with SIGKILL at random moments, and after every kill checks: the index opens, passes
``PRAGMA integrity_check`` and our own consistency check (every stored document complete,
no orphan rows), and a rerun produces a report byte-identical to an uninterrupted run.
The default run does a few trials; ``-m slow`` runs the full 30.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.corpus import CorpusSpec, generate_corpus
from provenance import Index
from provenance.store.health import check_consistency, integrity_problems

BATCH = "8"


def scan_command(corpus: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "provenance", "scan", str(corpus), "--index", str(index), "--batch-size", BATCH, "-q"]


def report_json(index: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "provenance", "report", "--format", "json", "--index", str(index)],
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, float]:
    """A corpus, the report of an uninterrupted scan, and how long that scan took."""
    root = tmp_path_factory.mktemp("crash")
    generate_corpus(root / "corpus", CorpusSpec(num_articles=200, seed=5))
    started = time.monotonic()
    subprocess.run(scan_command(root / "corpus", root / "reference.sqlite"), check=True)
    elapsed = time.monotonic() - started
    return root / "corpus", report_json(root / "reference.sqlite"), elapsed


def assert_sound(index: Path) -> None:
    with Index.open(index) as opened:
        assert integrity_problems(opened) == []
        assert check_consistency(opened) == []


def kill_trials(corpus: tuple[Path, str, float], tmp_path: Path, trials: int, seed: int) -> list[str]:
    folder, reference, elapsed = corpus
    rng = random.Random(seed)
    outcomes = []
    for trial in range(trials):
        index = tmp_path / f"trial{trial}.sqlite"
        process = subprocess.Popen(scan_command(folder, index), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.7) * elapsed)
        process.send_signal(signal.SIGKILL)
        code = process.wait()
        outcomes.append("killed" if code == -signal.SIGKILL else f"finished({code})")
        if index.exists():
            assert_sound(index)
        subprocess.run(scan_command(folder, index), check=True)
        assert report_json(index) == reference, f"trial {trial}: rerun differs from an uninterrupted scan"
        for leftover in tmp_path.glob(f"trial{trial}.sqlite*"):
            leftover.unlink()
    return outcomes


def test_sigkill_at_random_moments_short(corpus, tmp_path):
    outcomes = kill_trials(corpus, tmp_path, trials=3, seed=1)
    assert outcomes.count("killed") >= 1, outcomes


@pytest.mark.slow
def test_sigkill_at_random_moments_30_trials(corpus, tmp_path):
    outcomes = kill_trials(corpus, tmp_path, trials=30, seed=2)
    print("kill trial outcomes:", {o: outcomes.count(o) for o in set(outcomes)})
    assert outcomes.count("killed") >= 25


def test_ctrl_c_exits_130_with_a_clean_message_and_a_sound_index(corpus, tmp_path):
    folder, reference, elapsed = corpus
    index = tmp_path / "interrupted.sqlite"
    # Its own session, and SIGINT to the whole group: what a terminal's Ctrl-C does.
    process = subprocess.Popen(scan_command(folder, index), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    # Once the index exists the command has started (its Ctrl-C handler is in place; a
    # fresh clone's first run spends a while compiling bytecode): then interrupt mid-scan.
    deadline = time.monotonic() + 60
    while not index.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(elapsed / 4)
    os.killpg(process.pid, signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the scan finished before the interrupt arrived")
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and err.count("\n") == 1, err
    assert_sound(index)
    subprocess.run(scan_command(folder, index), check=True)
    assert report_json(index) == reference
