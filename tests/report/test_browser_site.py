"""The HTML site in Debian's headless Chromium, used as a reader would.

Built from the benchmark generator's corpus (``GENERATED_ARTICLES`` articles, eight
outlets): every page stays under the size bound, loads in under :data:`LOAD_SECONDS`
with nothing fetched and no Content-Security-Policy complaint; a reader goes from the
overview to an origin page and back, searches and pages the table of origin articles,
and reads the pages at phone width. Skips only when no Chromium is installed (see
``conftest.browser``). ``docs/report-overview.png`` and ``docs/report-origin.png`` (the
README's pictures) are written when missing or when ``PROVENANCE_UPDATE_SNAPSHOTS=1``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

from provenance.report.overview import build_overview
from provenance.report.site import PAGE_LIMIT, write_site
from provenance.report.site_assets import ROWS_PER_VIEW
from tests.conftest import REPO
from tests.report.conftest import UPDATE_ENV, screenshot

LOAD_SECONDS = 3.0
PHONE_WIDTH = 375
OVERVIEW_PICTURE = REPO / "docs" / "report-overview.png"
ORIGIN_PICTURE = REPO / "docs" / "report-origin.png"


@pytest.fixture(scope="module")
def generated_site(generated_corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("site")
    write_site(generated_corpus.report, generated_corpus.texts, directory)
    return directory


def _open(driver: Any, page: Path, reset: bool = True) -> float:
    """Load ``page``; returns the seconds from navigation to its load event."""
    if reset:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get(page.resolve().as_uri())
    return float(driver.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd")) / 1000


def _console_errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_every_page_is_small_and_loads_fast(browser, generated_site):
    pages = sorted(generated_site.rglob("*.html"))
    assert len(pages) > 50
    _console_errors(browser)  # start with an empty log
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    slowest = (0.0, "")
    for page in pages:
        assert page.stat().st_size <= PAGE_LIMIT, page
        browser.get(page.resolve().as_uri())
        seconds, fetched = browser.execute_script(
            "return [performance.getEntriesByType('navigation')[0].loadEventEnd / 1000,"
            " performance.getEntriesByType('resource').length]")
        slowest = max(slowest, (seconds, page.name))
        assert fetched == 0, page  # nothing fetched
    assert slowest[0] < LOAD_SECONDS, slowest
    assert _console_errors(browser) == []  # a CSP violation or a script error would be logged here


def test_overview_to_an_origin_page_and_back(browser, generated_site):
    _open(browser, generated_site / "index.html")
    assert browser.title == "Passage provenance report"
    link = browser.find_element("css selector", "table.top-origins a")
    title = link.text
    link.click()
    assert "/origins/o" in browser.current_url
    assert browser.find_element("css selector", "header h1").text == title
    pairs = [p for p in browser.find_elements("css selector", ".pair") if p.is_displayed()]
    assert pairs and all(p.find_element("css selector", "mark.span").size["height"] > 0 for p in pairs[:3])
    assert browser.find_element("css selector", "#graph svg").size["height"] > 100  # its own graph
    count = browser.find_element("id", "count").text
    browser.find_element("id", "filter").send_keys("no such words anywhere")
    assert browser.find_element("css selector", "[data-empty]").is_displayed() and count.startswith(f"{len(pairs)} of")

    browser.find_element("css selector", "header .back").click()
    assert browser.current_url.endswith("/index.html") and browser.find_element("id", "overview").is_displayed()
    browser.back()
    assert browser.find_element("css selector", "header h1").text == title
    browser.back()
    assert browser.current_url.endswith("/index.html")


def test_search_sort_and_pages_of_the_origin_table(browser, generated_site, generated_corpus):
    origins = build_overview(generated_corpus.report).origins
    total, pages = len(origins), math.ceil(len(origins) / ROWS_PER_VIEW)
    _open(browser, generated_site / "index.html")
    count = browser.find_element("id", "origin-count")
    assert count.text == f"{total} of {total} origin articles · page 1 of {pages}"

    def ranks() -> list[int]:
        return [int(row.find_element("css selector", "td").text) for row in browser.find_elements("css selector", "#origin-table tbody tr")]

    assert ranks() == list(range(1, ROWS_PER_VIEW + 1))
    browser.find_element("id", "next-page").click()
    assert count.text.endswith(f"page 2 of {pages}") and ranks()[0] == ROWS_PER_VIEW + 1

    last = origins[-1].origin  # on the last page: the search looks through every row, not just the shown ones
    box = browser.find_element("id", "search")
    box.send_keys(last["path"])
    assert count.text == f"1 of {total} origin articles" and ranks() == [total]
    browser.find_element("css selector", "#origin-table tbody a").click()
    assert browser.find_element("css selector", "header h1").text == " ".join(last["title"].split())
    browser.back()

    _open(browser, generated_site / "index.html")
    outlet = origins[0].origin["site"]
    browser.find_element("id", "search").send_keys(outlet)
    expected = sum(1 for stat in origins if outlet in (stat.origin.get("site") or "") or outlet in stat.origin["path"])
    assert browser.find_element("id", "origin-count").text.startswith(f"{expected} of {total} origin articles")
    browser.find_element("xpath", "//table[@id='origin-table']//th/button[text()='Copies']").click()
    copies = [int(row.find_elements("css selector", "td")[3].text) for row in browser.find_elements("css selector", "#origin-table tbody tr")]
    assert copies == sorted(copies) and copies  # ascending, within the search


def _overflowing(driver: Any) -> list[str]:
    return driver.execute_script(
        "var out = [];"
        "document.querySelectorAll('.doc-head, .meta, .pair-head, .col-label, .stats, .toolbar, header.top').forEach(function (el) {"
        "  if (el.scrollWidth > el.clientWidth + 1) { out.push(el.className + ' ' + el.scrollWidth + '>' + el.clientWidth); }"
        "});"
        "if (document.documentElement.scrollWidth > window.innerWidth) { out.push('page ' + document.documentElement.scrollWidth); }"
        "return out;"
    )


def test_phone_width_wraps_instead_of_clipping(browser, generated_site, seed_corpus, tmp_path):
    from provenance.report.html import render_html

    (tmp_path / "seeds.html").write_text(render_html(seed_corpus.report, seed_corpus.texts), encoding="utf-8")
    for page in (tmp_path / "seeds.html", generated_site / "index.html", generated_site / "origins" / "o00001.html"):
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": PHONE_WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": True})
        browser.get(page.resolve().as_uri())
        assert _overflowing(browser) == [], page
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_readme_pictures(browser, generated_site, seed_corpus, tmp_path):
    """The overview of the generated corpus and the seeds' origin page (real text, real edits)."""
    _open(browser, generated_site / "index.html")
    top = browser.execute_script("return document.getElementById('graph').getBoundingClientRect().top + window.scrollY")
    screenshot(browser, tmp_path / "overview.png", max_height=int(top))
    write_site(seed_corpus.report, seed_corpus.texts, tmp_path / "seeds")
    _open(browser, tmp_path / "seeds" / "origins" / "o00001.html")
    pairs = browser.find_elements("css selector", ".pair")
    bottom = browser.execute_script("return arguments[0].getBoundingClientRect().bottom + window.scrollY", pairs[1])
    screenshot(browser, tmp_path / "origin.png", max_height=int(bottom) + 16)
    for made, picture in ((tmp_path / "overview.png", OVERVIEW_PICTURE), (tmp_path / "origin.png", ORIGIN_PICTURE)):
        assert made.stat().st_size > 20_000
        if os.environ.get(UPDATE_ENV) or not picture.exists():
            picture.parent.mkdir(parents=True, exist_ok=True)
            picture.write_bytes(made.read_bytes())
