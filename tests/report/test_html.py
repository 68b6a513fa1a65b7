"""The HTML report: self-contained, escaped, and showing every reuse with its edits.

What a browser actually does with the page is tested in ``test_browser.py``."""

from __future__ import annotations

import re

import pytest

from provenance.report.html import render_html, safe_href
from provenance.report.html_assets import JS, script_hash
from provenance.report.select import ReuseFilter, select_reuses


@pytest.fixture(scope="module")
def seed_html(seed_corpus) -> str:
    return render_html(seed_corpus.report, seed_corpus.texts)


def test_every_seed_reuse_is_side_by_side_with_its_edits(seed_html):
    assert len(re.findall(r'<div class="pair" id="r\d"', seed_html)) == 5
    assert len(re.findall(r'<p class="passage">[^<]*<mark class="span">', seed_html)) == 10  # both sides of each pair
    assert '<span class="ed" title="changed">However despite</span>' in seed_html
    assert '<span class="ed" title="changed">Even though</span>' in seed_html
    assert '<span class="ed" title="changed">the North Korean capital before</span>' in seed_html
    assert seed_html.count('data-kind="verbatim"') == 6  # three table rows and three pairs
    assert "lag +1 day" in seed_html and "79% similar" in seed_html


def test_page_has_summary_graph_tables_and_bars(seed_html):
    assert "<svg" in seed_html and 'data-edge="r1 r2 r3 r4 r5"' in seed_html
    assert '<table class="sortable" id="reuse-table">' in seed_html and '<table class="sortable" id="article-table">' in seed_html
    assert seed_html.count('<div class="bar"') >= 5
    assert "76% original · 24% reused" in seed_html
    assert '<input type="search" id="filter"' in seed_html
    assert "@media print" in seed_html


def test_page_is_self_contained(seed_html):
    assert not re.search(r"<link|<iframe|<object|<embed|\ssrc=|@import|url\((?!#)", seed_html)  # url(#arrow) is in-page
    external = [h for h in re.findall(r'href="([^"]*)"', seed_html) if not h.startswith("#")]
    assert external and all(h.startswith("https://www.cnn.com/") for h in external)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', seed_html).group(1)
    assert "default-src 'none'" in policy and f"script-src {script_hash(JS)};" in policy
    scripts = re.findall(r"<script>(.*?)</script>", seed_html, re.DOTALL)
    assert scripts == [JS]  # the one script the policy allows, byte for byte


def test_article_text_is_escaped(hostile_corpus):
    page = render_html(hostile_corpus.report, hostile_corpus.texts)
    assert page.count("<script") == 1  # only the report's own
    assert "<img" not in page and "<b>Bold" not in page and "</title><script>" not in page
    assert "&lt;script&gt;window.__pwned = 1; document.title = &quot;pwned&quot;&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;title&lt;/i&gt;" in page
    assert 'href="javascript' not in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&amp;c=2"),
        ("http://example.com/\"onmouseover=x", "http://example.com/&quot;onmouseover=x"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.com/x", None),
        (None, None),
    ],
)
def test_safe_href(url, expected):
    assert safe_href(url) == expected


def test_output_is_deterministic(seed_corpus, seed_html):
    assert render_html(seed_corpus.report, seed_corpus.texts) == seed_html


def test_filtered_and_empty_pages(seed_corpus):
    two = render_html(select_reuses(seed_corpus.report, ReuseFilter(limit=2)), seed_corpus.texts)
    assert len(re.findall(r'<div class="pair" id="r\d"', two)) == 2 and "this page shows 2, filtered" in two
    none = render_html(select_reuses(seed_corpus.report, ReuseFilter(copy="zzz")), seed_corpus.texts)
    assert "No reuses match the filters." in none and "No article took text from another." in none
