"""Report fixtures: the seeds scanned once per session, and snapshot comparison.

Snapshots live in ``tests/report/snapshots/``. After an intended change of a format,
regenerate them and review the diff::

    PROVENANCE_UPDATE_SNAPSHOTS=1 python -m pytest tests/report -q
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provenance import Index, scan
from provenance.report.model import build_report, document_texts
from provenance.scanning import ScanOptions
from tests.conftest import SEEDS

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_ENV = "PROVENANCE_UPDATE_SNAPSHOTS"
ORIGIN, COPY = "000_ab536e0c04d75c66.txt", "002_b5b547b9f015d507.txt"
GENERATED_ARTICLES = 300  # the benchmark generator's corpus the site and browser tests read: 8 outlets, ~80 origins
#: An existing index (e.g. a 10k-article benchmark index) the site and browser tests read instead.
SITE_INDEX_ENV = "PROVENANCE_SITE_INDEX"


@dataclass(frozen=True)
class ScannedCorpus:
    index_path: Path
    root: Path
    report: dict[str, Any]
    texts: dict[str, str]


def read_corpus(index_path: Path) -> ScannedCorpus:
    """The report and texts of an existing index, opened read-only (never written)."""
    with Index.open(index_path, readonly=True) as index:
        report = build_report(index)
        texts = document_texts(index, {d["path"] for d in report["documents"]})
    return ScannedCorpus(index_path, index_path.parent, report, texts)


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
    :data:`GENERATED_ARTICLES` articles, scanned once per session; or the index named by
    ``$PROVENANCE_SITE_INDEX``, to run the browser tests on a benchmark-size site::

        PROVENANCE_SITE_INDEX=10k.sqlite python -m pytest tests/report/test_browser_site.py
    """
    from benchmarks.corpus import CorpusSpec, generate_corpus

    if os.environ.get(SITE_INDEX_ENV):
        return read_corpus(Path(os.environ[SITE_INDEX_ENV]))
    base = tmp_path_factory.mktemp("generated-report")
    generate_corpus(base / "corpus", CorpusSpec(num_articles=GENERATED_ARTICLES, seed=0))
    return scan_corpus(base / "corpus", base / "provenance.sqlite")


def assert_snapshot(name: str, actual: str, folder: Path = SNAPSHOTS, tests: str = "tests/report") -> None:
    """Compare ``actual`` with ``folder/name``; rewrite it when ``$PROVENANCE_UPDATE_SNAPSHOTS`` is
    set (``tests`` names the tests that write the folder, for the message)."""
    path = folder / name
    if os.environ.get(UPDATE_ENV):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"{path} missing: run {UPDATE_ENV}=1 python -m pytest {tests} to create it"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} changed; if intended, run {UPDATE_ENV}=1 python -m pytest {tests} and review the diff"


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


# --------------------------------------------------------------------------- browser

BROWSER_WIDTH = 1280


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = _find("/usr/bin/chromium", "chromium", "chromium-browser")
    if chromium is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium chromium-driver; .ci/run does it as root)")
    driver_path = _find("/usr/bin/chromedriver", "chromedriver")
    assert driver_path, f"Chromium is at {chromium} but chromedriver is missing: apt-get install chromium-driver"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={BROWSER_WIDTH},900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors, CSP violations among them
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, target: Path, max_height: int | None = None) -> None:
    """The whole page (or its top ``max_height`` pixels), not just the window: the
    viewport is sized to the document first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    height = min(height, max_height or height)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": BROWSER_WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})
    target.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(target)), f"could not save {target}"
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
