"""Cold start: what a command imports before it does any work, and how long the command takes.

``provenance trace -`` of one article is meant to answer in about a second even against
a 100k-article index, and Python's imports were once half of that. Each benchmark runs a
command as a user does (a fresh ``python -m provenance``, against the base index of the
corpus) and records in ``extra_info`` its wall time, the time its imports took (the sum
of every module's own time under ``python -X importtime``), how many modules it imported
and which heavy ones (:data:`HEAVY`) among them.

The plain tests below are guards, run without ``--benchmark-only``
(``python -m pytest benchmarks/test_startup.py -p no:cacheprovider``): they fail when a
command imports a heavy module it does not use, naming the import chain that pulled it in.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import Corpus
from benchmarks.measure import timed

REPOSITORY = Path(__file__).resolve().parent.parent
#: Third-party modules worth a line in a profile: each costs tens to hundreds of ms.
HEAVY = ("polars", "numpy", "rich", "ftfy", "datasketch", "scipy", "multiprocessing")
ROUNDS = 5


@dataclass(frozen=True, slots=True)
class ImportProfile:
    """One run under ``-X importtime``: each module's own and cumulative µs, and who imported it."""

    own_us: dict[str, int]
    importer: dict[str, str | None]

    @classmethod
    def parse(cls, stderr: str) -> ImportProfile:
        rows = []
        for line in stderr.splitlines():
            if line.startswith("import time:") and "[us]" not in line:
                own, _, name = line.removeprefix("import time:").split("|")
                rows.append(((len(name) - len(name.lstrip()) - 1) // 2, name.strip(), int(own)))
        own_us = {name: us for _, name, us in rows}
        # importtime prints a module after everything it imported, one level deeper: a
        # module's importer is the next row at one level less.
        importer: dict[str, str | None] = {}
        for position, (depth, name, _) in enumerate(rows):
            parent = next((other for level, other, _ in rows[position + 1:] if level == depth - 1), None) if depth else None
            importer.setdefault(name, parent)
        return cls(own_us, importer)

    @property
    def seconds(self) -> float:
        return sum(self.own_us.values()) / 1e6

    def chain(self, module: str) -> list[str]:
        """``module`` and what imported it, up to the first import of the run."""
        chain = [module]
        # A module re-entered while it imports (numpy, polars do) is listed twice: stop at a repeat.
        while (parent := self.importer.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        return chain


def _run(arguments: list[str], stdin: bytes | None, *flags: str) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, *flags, "-m", "provenance", *arguments]
    done = subprocess.run(command, input=stdin, capture_output=True, check=False, cwd=REPOSITORY)
    assert done.returncode in (0, 1), f"{' '.join(command)} exited with {done.returncode}: {done.stderr.decode()[-500:]}"
    return done


def profile(arguments: list[str], stdin: bytes | None = None) -> ImportProfile:
    return ImportProfile.parse(_run(arguments, stdin, "-X", "importtime").stderr.decode())


def _commands(corpus: Corpus, index: Path) -> dict[str, tuple[str, list[str], bytes | None]]:
    """Name -> (what it runs, for ``extra_info``; its arguments; its stdin): one held-out article."""
    article = corpus.held_out()[0]
    return {
        "help": ("provenance --help", ["--help"], None),
        "trace-stdin": ("provenance trace - < ARTICLE", ["trace", "-", "--index", str(index)], article.read_bytes()),
        "check-one": ("provenance check ARTICLE", ["check", str(article), "--index", str(index)], None),
    }


@pytest.mark.parametrize("command", ["help", "trace-stdin", "check-one"])
def test_cold_start(benchmark: Any, corpus: Corpus, base_index: Path, command: str) -> None:
    shown, arguments, stdin = _commands(corpus, base_index)[command]
    walls: list[float] = []

    def run() -> None:
        walls.append(timed(_run, arguments, stdin)[1])

    benchmark.pedantic(run, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    walls = walls[-ROUNDS:]  # not the warm-up's
    imports = profile(arguments, stdin)
    benchmark.extra_info.update({
        "command": shown, "corpus_articles": corpus.size,
        "seconds": round(min(walls), 4), "median_seconds": round(statistics.median(walls), 4),
        "import_seconds": round(imports.seconds, 4), "modules": len(imports.own_us),
        "heavy": sorted(name for name in HEAVY if name in imports.own_us),
    })


# -- guards --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the repository's seed articles."""
    index = tmp_path_factory.mktemp("startup") / "seeds.sqlite"
    _run(["scan", str(REPOSITORY / "seeds"), "--index", str(index), "-q", "--workers", "1"], None)
    return index


def _unwanted(imports: ImportProfile, modules: tuple[str, ...]) -> list[str]:
    return [" <- ".join(imports.chain(name)) for name in modules if name in imports.own_us]


def test_trace_stdin_imports_only_what_it_uses(small_index: Path) -> None:
    # ftfy is asked only about runs of two or more non-ASCII characters: trace a text without one.
    article = next(text for path in sorted((REPOSITORY / "seeds").glob("*.txt"))
                   if not re.search(r"[^\x00-\x7f]{2,}", text := path.read_text(encoding="utf-8")))
    imports = profile(["trace", "-", "--index", str(small_index)], article.encode("utf-8"))
    unused = ("polars", "rich", "ftfy", "multiprocessing", "provenance.store.health", "provenance.report.text",
              "provenance.report.html", "provenance.report.csv_report", "provenance.ingest.feed_frames")
    assert _unwanted(imports, unused) == []


def test_check_imports_no_display_or_report_renderer(small_index: Path) -> None:
    article = next((REPOSITORY / "seeds").glob("*.txt"))
    imports = profile(["check", str(article), "--index", str(small_index)])
    unused = ("polars", "rich", "multiprocessing", "provenance.store.health", "provenance.report.text",
              "provenance.report.html")
    assert _unwanted(imports, unused) == []


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_report_imports_its_format_only(small_index: Path, fmt: str) -> None:
    imports = profile(["report", "--format", fmt, "--index", str(small_index)])
    unused = ("polars", "rich", "ftfy", "multiprocessing", "provenance.scanning", "provenance.store.findings",
              "provenance.report.html", "provenance.report.csv_report")
    assert _unwanted(imports, unused) == []
