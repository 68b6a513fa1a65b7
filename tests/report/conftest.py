"""Report fixtures: the seeds scanned once per session, and snapshot comparison.

Snapshots live in ``tests/report/snapshots/``. After an intended change of a format,
regenerate them and review the diff::

    PROVENANCE_UPDATE_SNAPSHOTS=1 python -m pytest tests/report -q
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provenance import Index, scan
from provenance.report.model import build_report, document_texts
from provenance.scan import ScanOptions
from tests.conftest import SEEDS

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_ENV = "PROVENANCE_UPDATE_SNAPSHOTS"
ORIGIN, COPY = "000_ab536e0c04d75c66.txt", "002_b5b547b9f015d507.txt"
GENERATED_ARTICLES = 400  # the benchmark generator's corpus the site and browser tests read: 8 outlets, ~100 origins


@dataclass(frozen=True)
class ScannedCorpus:
    index_path: Path
    root: Path
    report: dict[str, Any]
    texts: dict[str, str]


def scan_corpus(root: Path, index_path: Path) -> ScannedCorpus:
    """Scan ``root`` into a new index and read back the report and every text."""
    with Index.open(index_path) as index:
        scan([root], index, ScanOptions(workers=1))
        report = build_report(index)
        texts = document_texts(index, {d["path"] for d in report["documents"]})
    return ScannedCorpus(index_path, root, report, texts)


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> ScannedCorpus:
    base = tmp_path_factory.mktemp("seed-report")
    shutil.copytree(SEEDS, base / "seeds")
    return scan_corpus(base / "seeds", base / "provenance.sqlite")


@pytest.fixture(scope="session")
def generated_corpus(tmp_path_factory: pytest.TempPathFactory) -> ScannedCorpus:
    """The benchmark generator's corpus (planted reuse across 8 outlets) at
    :data:`GENERATED_ARTICLES` articles, scanned once per session."""
    from benchmarks.corpus import CorpusSpec, generate_corpus

    base = tmp_path_factory.mktemp("generated-report")
    generate_corpus(base / "corpus", CorpusSpec(num_articles=GENERATED_ARTICLES, seed=0))
    return scan_corpus(base / "corpus", base / "provenance.sqlite")


def assert_snapshot(name: str, actual: str) -> None:
    """Compare ``actual`` with ``snapshots/name``; rewrite it when ``$PROVENANCE_UPDATE_SNAPSHOTS`` is set."""
    path = SNAPSHOTS / name
    if os.environ.get(UPDATE_ENV):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"{path} missing: run {UPDATE_ENV}=1 python -m pytest tests/report to create it"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} changed; if intended, run {UPDATE_ENV}=1 python -m pytest tests/report and review the diff"


HOSTILE_PARAGRAPH = (
    'Officials said <script>window.__pwned = 1; document.title = "pwned"</script> the talks '
    'would resume <img src=x onerror="window.__pwned = 2"> next week | with *stars* and [links](javascript:alert(1)) & more.'
)


@pytest.fixture
def hostile_corpus(tmp_path: Path) -> ScannedCorpus:
    """Two articles sharing a paragraph full of markup, with a title that is markup too."""
    from tests.conftest import article, prose

    root = tmp_path / "hostile"
    root.mkdir()
    first = article("https://news.example.com/2020/01/01/a.html", "2020-01-01 09:00:00", "<b>Bold</b> & <i>title</i>",
                    [prose(1), HOSTILE_PARAGRAPH, prose(2)])
    second = article("https://other.example.org/2020/01/02/b.html", "2020-01-02 11:30:00", "Copy </title><script>x()</script>",
                     [prose(3), HOSTILE_PARAGRAPH, prose(4)])
    (root / "a.txt").write_text(first, encoding="utf-8")
    (root / "b.txt").write_text(second, encoding="utf-8")
    return scan_corpus(root, tmp_path / "hostile.sqlite")
