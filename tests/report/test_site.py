"""The HTML site: small pages, the one-page report's safety, links that all resolve.

What a browser does with it is tested in ``test_browser_site.py``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from provenance.errors import InputError
from provenance.report import html_overview, site
from provenance.report.html_assets import JS, script_hash
from provenance.report.overview import build_overview
from provenance.report.site import PAGE_LIMIT, write_site
from provenance.report.site_assets import LISTING_JS


def _pages(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*.html"))}


def _links(page: str) -> list[str]:
    return re.findall(r'href="([^"#]+)"', page)


def assert_sound_site(directory: Path) -> dict[str, str]:
    """Every page self-contained under its CSP, below the size bound, with working links."""
    pages = _pages(directory)
    for name, page in pages.items():
        assert len(page.encode("utf-8")) <= PAGE_LIMIT, name
        assert not re.search(r"<link|<iframe|<object|<embed|<[a-z][^>]*\ssrc=|@import|url\((?!#)", page), name
        scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
        assert len(scripts) == 1 and scripts[0] in (JS, LISTING_JS), name
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
        assert policy == (f"default-src 'none'; script-src {script_hash(scripts[0])}; style-src 'unsafe-inline'; "
                          "img-src data:; base-uri 'none'; form-action 'none'"), name
        for href in _links(page):
            if href.startswith(("http://", "https://")):
                continue
            assert (directory / name).parent.joinpath(href).resolve().is_file(), (name, href)
    return pages


def test_seed_site(seed_corpus, tmp_path):
    summary = write_site(seed_corpus.report, seed_corpus.texts, tmp_path / "site")
    pages = assert_sound_site(tmp_path / "site")
    assert sorted(pages) == ["boilerplate.html", "index.html", "origins/o00001.html"]
    assert (summary.pages, summary.index) == (3, tmp_path / "site" / "index.html")
    index, origin = pages["index.html"], pages["origins/o00001.html"]
    assert 'id="overview"' in index and 'class="matrix"' in index and 'id="origin-table"' in index
    assert 'href="origins/o00001.html"' in index and 'data-edge="r1 r2 r3 r4 r5"' in index  # small: the article graph
    assert len(re.findall(r'<div class="pair" id="r\d"', origin)) == 5  # every copy side by side
    assert '<span class="ed" title="changed">However despite</span>' in origin
    assert 'href="../index.html"' in origin and "<svg" in origin  # back to the overview; its own graph
    data = json.loads(re.search(r'<script type="application/json" id="origin-data">(.*?)</script>', index).group(1))
    assert [row[0] for row in data] == ["origins/o00001.html"] and data[0][1] == "Russia's foreign minister is headed to North Korea"


def test_generated_site_has_a_page_per_origin_and_stays_small(generated_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(html_overview, "GRAPH_ARTICLES", 40)  # the overview's graph folds to outlets above this
    summary = write_site(generated_corpus.report, generated_corpus.texts, tmp_path / "site")
    pages = assert_sound_site(tmp_path / "site")
    origins = build_overview(generated_corpus.report).origin_articles
    assert summary.pages == len(pages) == origins + 2 and summary.largest_bytes < 1_000_000
    reuse_ids = [i for name, page in pages.items() if name.startswith("origins/") for i in re.findall(r'class="pair" id="(r\d+)"', page)]
    assert sorted(reuse_ids) == sorted(f"r{n + 1}" for n in range(len(generated_corpus.report["reuses"])))
    index = pages["index.html"]
    assert "too many to draw one by one (the limit is 40)" in index and "outlet-graph" in index and "data-edge" not in index
    assert all("data-edge" in page for name, page in pages.items() if name.startswith("origins/"))  # the article graphs
    assert index.count("<tr><td class=\"num\">") <= 50 + 10  # first rows static, the rest from the data block
    write_site(generated_corpus.report, generated_corpus.texts, tmp_path / "again")
    assert _pages(tmp_path / "again") == pages  # deterministic


def test_long_pages_are_cut_into_parts_and_listing_pages(generated_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(site, "PART_BUDGET", 12_000)
    monkeypatch.setattr(site, "LISTING_BUDGET", 4_000)
    write_site(generated_corpus.report, generated_corpus.texts, tmp_path / "site")
    pages = assert_sound_site(tmp_path / "site")
    parts = [name for name in pages if re.fullmatch(r"origins/o\d+-\d+\.html", name)]
    listings = [name for name in pages if name.startswith("origins/list-")]
    assert parts and listings
    first = re.sub(r"-\d+\.html$", ".html", parts[0])
    assert f'href="{Path(parts[0]).name}"' in pages[first]  # part 1 links to its continuation
    reuse_ids = [i for name, page in pages.items() if name.startswith("origins/o") for i in re.findall(r'class="pair" id="(r\d+)"', page)]
    assert len(reuse_ids) == len(set(reuse_ids)) == len(generated_corpus.report["reuses"])  # each passage once
    for name, page in pages.items():
        if name.startswith("origins/o"):  # the toolbar counts just this part's passages
            shown = len(re.findall(r'class="pair" id="r\d+"', page))
            assert f"{shown} of {shown} reuses shown" in page, name
    ranks = [row[12] for name in ["index.html", *sorted(listings, key=lambda n: int(re.findall(r"\d+", n)[0]))]
             for row in json.loads(re.search(r'id="origin-data">(.*?)</script>', pages[name]).group(1))]
    assert ranks == list(range(1, len(ranks) + 1)) == list(range(1, build_overview(generated_corpus.report).origin_articles + 1))


def test_article_text_is_escaped_on_every_page(hostile_corpus, tmp_path):
    write_site(hostile_corpus.report, hostile_corpus.texts, tmp_path / "site")
    pages = assert_sound_site(tmp_path / "site")
    for name, page in pages.items():
        assert page.count("<script") == 1 + (name == "index.html"), name  # ours, and the index's data block
        assert "<img" not in page and "<b>Bold" not in page and "</title><script>" not in page, name
    block = re.search(r'id="origin-data">(.*?)</script>', pages["index.html"]).group(1)
    assert "\\u003cb\\u003eBold\\u003c/b\\u003e \\u0026 \\u003ci\\u003etitle" in block  # nothing in it can close the block
    assert "&lt;script&gt;window.__pwned = 1;" in pages["origins/o00001.html"]


def test_a_rewrite_drops_pages_of_the_previous_site(seed_corpus, tmp_path):
    stale = tmp_path / "site" / "origins" / "o00099.html"
    mine = tmp_path / "site" / "origins" / "notes.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    mine.write_text("keep", encoding="utf-8")
    write_site(seed_corpus.report, seed_corpus.texts, tmp_path / "site")
    assert not stale.exists() and mine.read_text(encoding="utf-8") == "keep"


def test_a_file_is_not_a_site_folder(seed_corpus, tmp_path):
    (tmp_path / "report").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="give -o a folder"):
        write_site(seed_corpus.report, seed_corpus.texts, tmp_path / "report")


def test_a_site_of_nothing_says_so(seed_corpus, tmp_path):
    from provenance.report.select import ReuseFilter, select_reuses

    write_site(select_reuses(seed_corpus.report, ReuseFilter(copy="zzz")), seed_corpus.texts, tmp_path / "site")
    pages = assert_sound_site(tmp_path / "site")
    assert sorted(pages) == ["boilerplate.html", "index.html"] and "No reuses match the filters." in pages["index.html"]
