"""The HTML report in a real browser: Debian's headless Chromium driven by Selenium.

Uses the system ``chromium`` and ``chromedriver`` (Debian packages ``chromium`` and
``chromium-driver``; ``.ci/run`` installs them when it runs as root), never a downloaded
browser build. Skips only when no Chromium is installed. Each run saves screenshots in
its tmp dir; ``docs/report.png`` (the README's picture) is written when missing or when
``PROVENANCE_UPDATE_SNAPSHOTS=1`` is set, so ordinary runs leave the tree clean.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from provenance.report.html import render_html
from tests.conftest import REPO
from tests.report.conftest import UPDATE_ENV, screenshot

README_SCREENSHOT = REPO / "docs" / "report.png"
EXPECTED = [  # (kind, opening of the copy's reused span)
    ("verbatim", '"Russia has far less influence'),
    ("verbatim", '"During the Cold War'),
    ("verbatim", "That all ended in 1991"),
    ("near-duplicate", "However despite the fact that"),
    ("contained", "The long-time Russian foreign minister"),
]


def _load(driver: Any, path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get(path.resolve().as_uri())


def _visible_pairs(driver: Any) -> list[Any]:
    return [p for p in driver.find_elements("css selector", ".pair") if p.is_displayed()]


def _copy_mark(pair: Any) -> Any:
    return pair.find_elements("css selector", ".col")[1].find_element("css selector", "mark.span")


def test_seed_report_in_chromium(browser, seed_corpus, tmp_path):
    page = tmp_path / "report.html"
    _load(browser, page, render_html(seed_corpus.report, seed_corpus.texts))
    assert browser.title == "Passage provenance report"
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    assert browser.find_element("id", "count").text == "5 of 5 reuses shown"

    pairs = _visible_pairs(browser)
    assert len(pairs) == 5
    background = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", _copy_mark(pairs[0]))
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    found = {}
    for pair in pairs:
        mark = _copy_mark(pair)
        assert mark.is_displayed() and mark.size["height"] > 0
        found[mark.text[:40]] = (pair.get_attribute("data-kind"), pair)
    for kind, opening in EXPECTED:
        match = [key for key in found if key.startswith(opening[:30])]
        assert match and found[match[0]][0] == kind, (opening, list(found))

    edited = next(pair for k, pair in found.values() if k == "near-duplicate")
    changed = [e.text for e in _copy_mark(edited).find_elements("css selector", "span.ed")]
    assert changed == ["However despite", "fact that Russia and North Korea"]
    edit_colour = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor",
                                         _copy_mark(edited).find_element("css selector", "span.ed"))
    assert edit_colour != background  # edits stand out from the reused span
    contained = next(pair for k, pair in found.values() if k == "contained")
    copy_column = contained.find_elements("css selector", ".passage")[1]
    assert copy_column.text.startswith("On Thursday during his visit")  # the span sits inside its paragraph

    screenshot(browser, tmp_path / "report.png")
    if os.environ.get(UPDATE_ENV) or not README_SCREENSHOT.exists():
        # The README shows the top: summary, graph, table and the two edited passages.
        bottom = browser.execute_script("return arguments[0].getBoundingClientRect().bottom + window.scrollY", edited)
        screenshot(browser, README_SCREENSHOT, max_height=int(bottom) + 24)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_filter_box_and_kind_toggles_hide_rows(browser, seed_corpus, tmp_path):
    _load(browser, tmp_path / "report.html", render_html(seed_corpus.report, seed_corpus.texts))
    box = browser.find_element("id", "filter")
    box.send_keys("Bechtol")
    assert browser.find_element("id", "count").text == "2 of 5 reuses shown"
    assert len(_visible_pairs(browser)) == 2
    rows = browser.find_elements("css selector", "#reuse-table tbody tr")
    assert sum(row.is_displayed() for row in rows) == 2
    screenshot(browser, tmp_path / "filtered.png")

    box.clear()
    box.send_keys(" ")  # clear() fires no input event; a blank query matches everything
    assert len(_visible_pairs(browser)) == 5
    browser.find_element("css selector", "label:has(input[value='verbatim'])").click()
    assert browser.find_element("id", "count").text == "2 of 5 reuses shown"
    assert {p.get_attribute("data-kind") for p in _visible_pairs(browser)} == {"near-duplicate", "contained"}

    box.send_keys("no such words anywhere")
    assert _visible_pairs(browser) == []
    assert browser.find_element("css selector", "[data-empty]").is_displayed()
    edge = browser.find_element("css selector", "[data-edge]")
    assert "faded" in edge.get_attribute("class")


def test_tables_sort_when_a_header_is_clicked(browser, seed_corpus, tmp_path):
    _load(browser, tmp_path / "report.html", render_html(seed_corpus.report, seed_corpus.texts))
    button = browser.find_element("xpath", "//table[@id='reuse-table']//th/button[text()='Similarity']")

    def similarities() -> list[str]:
        return [row.find_elements("css selector", "td")[4].text for row in browser.find_elements("css selector", "#reuse-table tbody tr")]

    values = similarities()
    assert len(values) == 5 and len(set(values)) > 1
    button.click()
    assert similarities() == sorted(values)
    button.click()
    assert similarities() == sorted(values, reverse=True)


def test_article_markup_does_not_run(browser, hostile_corpus, tmp_path):
    _load(browser, tmp_path / "hostile.html", render_html(hostile_corpus.report, hostile_corpus.texts))
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.title == "Passage provenance report"
    passage = browser.find_element("css selector", ".pair .passage mark.span")
    assert "<script>window.__pwned = 1;" in passage.text and '<img src=x onerror="window.__pwned = 2">' in passage.text
    assert browser.find_elements("css selector", ".passage img, .passage script") == []
