"""The HTML report as a small static site, for indexes of any size.

``provenance report --format html -o DIR/`` writes::

    DIR/index.html              summary, overview, provenance graph, searchable table of origin articles
    DIR/boilerplate.html        boilerplate kept out of the findings
    DIR/origins/o00001.html     one page per origin article (display order): its graph and
                                every copy side by side; o00001-2.html ... continue a long one
    DIR/origins/list-2.html     more of the origin table, when it outgrows index.html

Every page stays under :data:`PAGE_LIMIT` bytes whatever the index size: the overview is
bounded by outlets and days, the origin table by :data:`LISTING_BUDGET` bytes of rows
per page (most reused origins first), an origin page by :data:`PART_BUDGET` bytes of
passages per part. Pages use the one-page report's stylesheet and Content-Security-
Policy (one script allowed by hash, nothing fetched), link to each other with relative
links, and work opened from disk. Texts are read one origin article at a time, so memory
does not grow with the index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from provenance.errors import InputError
from provenance.report.html import boilerplate_list, footer, html_page, page_header, toolbar
from provenance.report.html_cards import (
    EDIT_LEGEND,
    GRAPH_LEGEND,
    copy_section,
    kind_badge,
    origin_head,
    pair_html,
    title_text,
)
from provenance.report.html_graph import render_graph
from provenance.report.html_overview import first_lag, graph_section, overview_section
from provenance.report.overview import OriginStat, Overview, build_overview
from provenance.report.select import (
    OriginGroup,
    display_groups,
    display_order,
    format_published,
    outlet,
)
from provenance.report.site_assets import LISTING_CSS, LISTING_JS, ROWS_PER_VIEW

__all__ = ["LISTING_BUDGET", "PAGE_LIMIT", "PART_BUDGET", "SiteSummary", "write_site"]

PAGE_LIMIT = 5_000_000  # bytes; the bound every page of the site keeps
PART_BUDGET = 2_500_000  # bytes of passages on one origin page before it continues on the next
LISTING_BUDGET = 3_000_000  # bytes of origin-table rows on one listing page
BOILERPLATE_ENTRIES = 2_000  # most widespread boilerplate texts listed
_OUR_PAGES = re.compile(r"^(o\d+(-\d+)?|list-\d+)\.html$")


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """What :func:`write_site` wrote: pages, bytes, and the largest page."""

    directory: Path
    pages: int
    total_bytes: int
    largest_page: str
    largest_bytes: int

    @property
    def index(self) -> Path:
        return self.directory / "index.html"


class _Writer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sizes: dict[str, int] = {}

    def write(self, name: str, page: str) -> None:
        data = page.encode("utf-8")
        try:
            (self.directory / name).write_bytes(data)
        except OSError as exc:
            raise InputError(f"cannot write {self.directory / name}: {exc.strerror or exc}; pass -o DIR/ somewhere writable") from exc
        self.sizes[name] = len(data)


def _prepare(directory: Path) -> None:
    """Create ``DIR/origins/`` and drop the pages a previous, larger site left there."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} is a file; give -o a folder (DIR/) for the HTML site, or a .html file for one page")
    try:
        (directory / "origins").mkdir(parents=True, exist_ok=True)
        for old in (directory / "origins").iterdir():
            if _OUR_PAGES.match(old.name):
                old.unlink()
    except OSError as exc:
        raise InputError(f"cannot write the HTML site to {directory}: {exc.strerror or exc}; pass -o DIR/ somewhere writable") from exc


def _page_names(count: int) -> list[str]:
    width = max(5, len(str(count)))
    return [f"o{position + 1:0{width}d}" for position in range(count)]


Block = tuple[int, str, list[dict[str, Any]]]  # copy number on the page, its markup, the reuses in it


def _parts(group: OriginGroup, ids: dict[int, str], texts: Mapping[str, str], links: dict[str, str]) -> Iterator[list[Block]]:
    """The copy blocks of one origin, cut into parts of at most :data:`PART_BUDGET` bytes
    (a copy with more passages than fit is continued in the next part)."""
    part: list[Block] = []
    size = 0
    for number, (copy, reuses) in enumerate(group.copies, start=1):
        own = links.get(copy["path"])
        note = f'<a href="{own}">its own copies →</a>' if own else ""
        lag = reuses[0]["lag_seconds"]
        head = len(copy_section(copy, lag, [], f"c{number}", note))
        pairs: list[str] = []
        taken: list[dict[str, Any]] = []
        size += head
        for reuse in reuses:
            pair = pair_html(reuse, ids[id(reuse)], group.origin, copy, texts)
            if size + len(pair) > PART_BUDGET and (part or pairs):
                if pairs:  # what fitted stays here; this passage opens the next part
                    part.append((number, copy_section(copy, lag, pairs, f"c{number}", note), taken))
                    pairs, taken = [], []
                yield part
                part, size = [], head
            pairs.append(pair)
            taken.append(reuse)
            size += len(pair)
        part.append((number, copy_section(copy, lag, pairs, f"c{number}", note), taken))
    yield part


def _origin_pages(report: dict[str, Any], groups: list[OriginGroup], stats: dict[str, OriginStat], names: list[str],
                  ids: dict[int, str], texts: Mapping[str, str], writer: _Writer) -> None:
    documents = {d["path"]: d for d in report["documents"]}
    positions = {group.origin["path"]: position for position, group in enumerate(groups)}
    jumps = [("../index.html", "← Overview"), ("#graph", "Graph"), ("#copies", "Copies")]
    for position, group in enumerate(groups):
        origin = group.origin
        # A copy that was copied in turn links to its own page.
        links = {copy["path"]: f"{names[positions[copy['path']]]}.html" for copy, _ in group.copies if copy["path"] in positions}
        parts = list(_parts(group, ids, texts, links))
        files = [f"{names[position]}.html"] + [f"{names[position]}-{n}.html" for n in range(2, len(parts) + 1)]
        for number, blocks in enumerate(parts):
            shown = [reuse for _, _, reuses in blocks for reuse in reuses]
            paths = sorted({origin["path"], *(reuse["copy"]["path"] for reuse in shown)})
            # This part's reuses as a report of their own: the graph of who took this text.
            sub = {"documents": [documents.get(path, {"path": path}) for path in paths], "reuses": shown}
            anchors = {origin["path"]: "#origin", **{group.copies[n - 1][0]["path"]: f"#c{n}" for n, _, _ in blocks}}
            nav = _part_nav(files, number)
            body = (
                f"{_origin_header(stats[origin['path']])}{toolbar(shown, jumps)}"
                f'<main class="wrap"><section class="block" id="graph"><h2>Who took this text</h2>{GRAPH_LEGEND}'
                f'<div class="card graph">{render_graph(sub, ids, anchors)}</div></section>'
                f'<section class="block" id="copies"><h2>Copies side by side</h2>{EDIT_LEGEND}{nav}'
                '<p class="card empty" data-empty hidden>No reuse matches the filter.</p>'
                f'<article class="card origin-card" id="origin" data-group>{origin_head(origin, len(group.reuses))}'
                f'{"".join(block for _, block, _ in blocks)}</article>{nav}</section></main>{footer(report)}'
            )
            writer.write(f"origins/{files[number]}", html_page(f"{_plain_title(origin)} · passage provenance", body))


def _plain_title(document: dict[str, Any]) -> str:
    return " ".join((document.get("title") or document["path"]).split())


def _origin_header(stat: OriginStat) -> str:
    origin = stat.origin
    lede = (f"{outlet(origin) or 'no outlet'} · {format_published(origin)} · {stat.copy_articles} "
            f"copying article{'s' if stat.copy_articles != 1 else ''} in {stat.copy_outlets} outlet"
            f"{'s' if stat.copy_outlets != 1 else ''} · {stat.passages} passage{'s' if stat.passages != 1 else ''} · "
            f"first copy {first_lag(stat)} later")
    return (f'<header class="top"><div class="wrap"><a class="back" href="../index.html">← Overview</a>'
            f'<h1>{title_text(origin)}</h1><p class="lede">{escape(lede)}</p></div></header>')


def _part_nav(files: list[str], current: int) -> str:
    if len(files) == 1:
        return ""
    links = "".join(
        f"<b>part {n + 1}</b>" if n == current else f'<a href="{name}">part {n + 1}</a>' for n, name in enumerate(files)
    )
    return f'<nav class="parts" aria-label="Parts of this page">{links}</nav>'


def _row(stat: OriginStat, rank: int, href: str) -> list[Any]:
    origin = stat.origin
    return [href, _plain_title(origin), outlet(origin) or "", format_published(origin), origin.get("published") or "",
            stat.copy_articles, stat.passages, stat.copy_outlets, first_lag(stat), stat.first_lag_seconds,
            ", ".join(stat.kinds), origin["path"], rank]


def _listing_chunks(overview: Overview, hrefs: dict[str, str]) -> list[list[list[Any]]]:
    chunks: list[list[list[Any]]] = [[]]
    size = 0
    for rank, stat in enumerate(overview.origins, start=1):
        row = _row(stat, rank, hrefs[stat.origin["path"]])
        row_size = len(json.dumps(row, ensure_ascii=False).encode("utf-8")) + 1
        if size + row_size > LISTING_BUDGET and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += row_size
    return chunks


def _data_block(rows: list[list[Any]]) -> str:
    # Inside <script> only "</" could end the block early; escape the characters HTML cares about.
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="origin-data">{text}</script>'


_COLUMNS = [("#", 12, "number"), ("Origin article", 1, "text"), ("Published", 4, "text"),
            ("Copies", 5, "number"), ("Passages", 6, "number"), ("Outlets", 7, "number"),
            ("First copy after", 9, "number"), ("Kinds", 10, "text")]


def _listing(rows: list[list[Any]], chunk: int, chunk_files: list[str]) -> str:
    # data-key: the row position the script sorts by.
    head = "<thead><tr>" + "".join(
        f'<th data-sort="{kind}" data-key="{key}"{" class=num" if kind == "number" else ""}><button type="button">'
        f"{escape(name)}</button></th>" for name, key, kind in _COLUMNS
    ) + "</tr></thead>"
    static = "".join(
        f'<tr><td class="num">{r[12]}</td><td class="doc-cell"><a class="t" href="{escape(r[0], quote=True)}">{escape(r[1])}</a>'
        f'<small>{escape(r[2] + " · " if r[2] else "")}{escape(r[11])}</small></td><td class="nowrap">{escape(r[3])}</td>'
        f'<td class="num">{r[5]}</td><td class="num">{r[6]}</td><td class="num">{r[7]}</td>'
        f'<td class="num nowrap">{escape(r[8])}</td><td>{"".join(kind_badge(k) for k in r[10].split(", ") if k)}</td></tr>'
        for r in rows[:ROWS_PER_VIEW]
    )
    pages = ""
    if len(chunk_files) > 1:
        pages = '<nav class="parts" aria-label="Listing pages">' + "".join(
            f"<b>{n + 1}</b>" if n == chunk else f'<a href="{name}">{n + 1}</a>' for n, name in enumerate(chunk_files)
        ) + "</nav>"
    return (
        f'<section class="block" id="origins"><h2>Origin articles</h2><p class="hint">Every article whose text was reused, '
        f"most copied first (ranks {rows[0][12]} to {rows[-1][12]} on this page). "
        "Search by words of the title, outlet or path; click a column to sort.</p>"
        '<div class="listing-bar"><input type="search" id="search" placeholder="Search origin articles  ( / )" '
        'aria-label="Search origin articles" autocomplete="off"><span id="origin-count" aria-live="polite">'
        f'{len(rows)} origin articles</span><span class="pager"><button type="button" id="prev-page">← previous</button>'
        f'<button type="button" id="next-page">next →</button></span></div>{pages}'
        f'<div class="card table-card"><table id="origin-table">{head}<tbody>{static}</tbody></table></div>'
        f"{_data_block(rows)}</section>"
    )


def write_site(report: dict[str, Any], texts: Mapping[str, str], directory: Path) -> SiteSummary:
    """Write the report's site into ``directory`` (created if needed); see the module docstring."""
    _prepare(directory)
    writer = _Writer(directory)
    groups = display_groups(report)
    overview = build_overview(report)
    names = _page_names(len(groups))
    hrefs = {group.origin["path"]: f"origins/{names[position]}.html" for position, group in enumerate(groups)}
    ids = {id(reuse): f"r{position + 1}" for position, reuse in enumerate(display_order(report))}
    stats = {stat.origin["path"]: stat for stat in overview.origins}
    _origin_pages(report, groups, stats, names, ids, texts, writer)

    chunks = _listing_chunks(overview, hrefs)
    chunk_files = ["index.html"] + [f"origins/list-{n}.html" for n in range(2, len(chunks) + 1)]
    for number in range(1, len(chunks)):
        relative = ["../index.html"] + [f"list-{n}.html" for n in range(2, len(chunks) + 1)]
        body = (f'{page_header(report, "Origin articles, continued", back=_BACK)}<main class="wrap">'
                f'{_listing(_relink(chunks[number]), number, relative)}</main>{footer(report)}')
        writer.write(chunk_files[number], html_page("Origin articles · passage provenance", body, LISTING_JS, LISTING_CSS))

    empty = "" if groups else (
        '<p class="card empty">' + ("No reused passages across articles." if report["summary"]["reuses"] == 0
                                    else "No reuses match the filters.") + "</p>")
    body = (
        f'{page_header(report)}<main class="wrap">{empty}{overview_section(overview, lambda s: hrefs[s.origin["path"]])}'
        f"{graph_section(report, overview, ids, hrefs, site=True) if groups else ''}"
        f"{_listing(chunks[0], 0, chunk_files) if groups else ''}"
        '<section class="block" id="boilerplate"><h2>Boilerplate</h2><p><a href="boilerplate.html">'
        f'{len(report.get("boilerplate") or [])} boilerplate texts</a> kept out of the findings.</p></section>'
        f"</main>{footer(report)}"
    )
    writer.write("index.html", html_page("Passage provenance report", body, LISTING_JS, LISTING_CSS))
    boilerplate = (f'{page_header(report, "Boilerplate", back=_BACK_HERE)}<main class="wrap"><section class="block">'
                   f"{boilerplate_list(report, BOILERPLATE_ENTRIES)}</section></main>{footer(report)}")
    writer.write("boilerplate.html", html_page("Boilerplate · passage provenance", boilerplate))
    largest = max(writer.sizes, key=lambda name: (writer.sizes[name], name))
    return SiteSummary(directory, len(writer.sizes), sum(writer.sizes.values()), largest, writer.sizes[largest])


_BACK = '<a class="back" href="../index.html">← Overview</a>'
_BACK_HERE = '<a class="back" href="index.html">← Overview</a>'


def _relink(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows for a page inside ``origins/``: their hrefs are siblings there."""
    return [[row[0].removeprefix("origins/"), *row[1:]] for row in rows]
