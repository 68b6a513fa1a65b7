"""Resource limits: a huge article, very many tiny files and a giant paragraph scan
without memory blow-up. The default run uses a tenth of each size; ``-m slow`` runs the
full sizes (20 MB, 100,000 files, 200,000 words) and prints the peak RSS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

_MEASURE = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def peak_rss_mb(args: list[str]) -> float:
    """Run ``provenance ARGS`` in a child process; return its peak RSS in MB."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "provenance", *args],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def words(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    vocabulary = np.array(["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), rng.integers(2, 9))) for _ in range(5000)])
    return vocabulary[rng.integers(0, len(vocabulary), count)].tolist()


def huge_article(path: Path, megabytes: int) -> None:
    chunk = words(60, 1)
    paragraphs, size = [], 0
    rng = np.random.default_rng(2)
    pool = words(200_000, 3)
    while size < megabytes * 1024 * 1024:
        start = int(rng.integers(0, len(pool) - 80))
        paragraph = " ".join(pool[start : start + 70]) + ". " + " ".join(chunk) + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    path.write_text("Huge\n\n" + "\n\n".join(paragraphs))


def giant_paragraph(path: Path, count: int) -> None:
    tokens = words(count, 4)
    sentences = [" ".join(tokens[i : i + 25]) + "." for i in range(0, len(tokens), 25)]
    path.write_text("Giant\n\n" + " ".join(sentences))


def many_files(root: Path, count: int) -> None:
    tokens = words(count * 12, 5)
    for number in range(count):
        folder = root / f"{number // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number}.txt").write_text(f"Note {number}\n\n" + " ".join(tokens[number * 12 : number * 12 + 12]) + ".")


@pytest.mark.parametrize(("megabytes", "limit_mb"), [pytest.param(2, 700), pytest.param(20, 3000, marks=pytest.mark.slow)])
def test_huge_article(tmp_path, megabytes, limit_mb):
    (tmp_path / "in").mkdir()
    huge_article(tmp_path / "in" / "huge.txt", megabytes)
    peak = peak_rss_mb(["scan", str(tmp_path / "in"), "--index", str(tmp_path / "i.sqlite"), "-q"])
    print(f"{megabytes} MB article: peak RSS {peak:.0f} MB")
    assert peak < limit_mb


@pytest.mark.parametrize(("count", "limit_mb"), [pytest.param(20_000, 600), pytest.param(200_000, 1500, marks=pytest.mark.slow)])
def test_giant_paragraph(tmp_path, count, limit_mb):
    (tmp_path / "in").mkdir()
    giant_paragraph(tmp_path / "in" / "giant.txt", count)
    peak = peak_rss_mb(["scan", str(tmp_path / "in"), "--index", str(tmp_path / "i.sqlite"), "-q"])
    print(f"{count}-word paragraph: peak RSS {peak:.0f} MB")
    assert peak < limit_mb


@pytest.mark.parametrize(("count", "limit_mb"), [pytest.param(5_000, 600), pytest.param(100_000, 1500, marks=pytest.mark.slow)])
def test_many_tiny_files(tmp_path, count, limit_mb):
    many_files(tmp_path / "in", count)
    peak = peak_rss_mb(["scan", str(tmp_path / "in"), "--index", str(tmp_path / "i.sqlite"), "-q"])
    print(f"{count} tiny files: peak RSS {peak:.0f} MB")
    assert peak < limit_mb
