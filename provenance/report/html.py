"""The HTML report as one self-contained page, for small indexes.

Sections: a summary, the overview (:mod:`~provenance.report.html_overview`: outlets,
most reused origins, lags, kinds, days) and the provenance graph, a sortable table of
reuses, then per origin article every copy side by side
(:mod:`~provenance.report.html_cards`), and a sortable table of articles with
originality bars. A filter box and kind toggles hide reuses everywhere at once. Large
indexes are written as a site of small pages instead (:mod:`~provenance.report.site`);
:data:`~provenance.report.render.SINGLE_PAGE_LIMIT` is where one page stops being readable.

Safety: every piece of article text, title, path and URL is HTML-escaped; links are
made only from ``http``/``https`` URLs; and the Content-Security-Policy lets only the
report's own script run (by hash) and fetch nothing, so even text that slipped through
could neither run script nor reach the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from provenance._version import __version__
from provenance.report.html_assets import CSS, JS, script_hash
from provenance.report.html_cards import (
    BAR_LEGEND,
    CONTEXT_CHARS,
    EDIT_LEGEND,
    KINDS,
    kind_badge,
    origin_card,
    safe_href,
    share_bar,
    share_words,
    shares,
    sortable_head,
    title_text,
)
from provenance.report.html_overview import OVERVIEW_CSS, graph_section, overview_section
from provenance.report.overview import build_overview
from provenance.report.select import (
    display_groups,
    display_order,
    format_lag,
    format_published,
    outlet,
)

__all__ = [
    "CONTEXT_CHARS",
    "boilerplate_list",
    "footer",
    "html_page",
    "page_header",
    "render_html",
    "safe_href",
    "toolbar",
]


def html_page(title: str, body: str, script: str = JS, css: str = "") -> str:
    """A complete page: the report's stylesheet, ``body``, and ``script`` allowed by hash
    in the Content-Security-Policy (the only script that can run; nothing is fetched)."""
    csp = (f"default-src 'none'; script-src {script_hash(script)}; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f'<meta name="generator" content="passage-provenance {escape(__version__)}">'
        f"<title>{escape(title)}</title><style>{CSS}{OVERVIEW_CSS}{css}</style></head><body>"
        f"{body}<script>{script}</script></body></html>\n"
    )


def footer(report: dict[str, Any]) -> str:
    fingerprint = escape(str(report.get("config", {}).get("fingerprint", "")))
    return (f"<footer><div class=\"wrap\">passage-provenance {escape(__version__)} · matching configuration "
            f"<code>{fingerprint}</code> · offsets are characters of each article's decoded text</div></footer>")


def _doc_cell(document: dict[str, Any]) -> str:
    title = title_text(document)
    return f'<td class="doc-cell"><span class="t" title="{title}">{title}</span><code>{escape(document["path"])}</code></td>'


def _opening(reuse: dict[str, Any], texts: Mapping[str, str], limit: int = 90) -> str:
    """The first words of the copy's reused span, to tell the table's rows apart."""
    copy = reuse["copy"]
    words = " ".join(texts.get(copy["path"], "")[copy["start"] : copy["end"]].split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + " …"


def _reuse_table(report: dict[str, Any], ids: dict[int, str], texts: Mapping[str, str]) -> str:
    documents = {d["path"]: d for d in report["documents"]}
    head = sortable_head([("Origin", "text", False), ("Copy", "text", False), ("Passage", "text", False),
                           ("Kind", "text", False), ("Similarity", "number", True), ("Lag", "number", True)])
    rows = []
    for order, reuse in enumerate(display_order(report)):
        origin = documents.get(reuse["origin"]["path"], {"path": reuse["origin"]["path"]})
        copy = documents.get(reuse["copy"]["path"], {"path": reuse["copy"]["path"]})
        reuse_id = ids[id(reuse)]
        lag = reuse["lag_seconds"]
        rows.append(
            f'<tr data-reuse="{reuse_id}" data-kind="{escape(reuse["kind"])}" data-order="{order}">'
            f'{_doc_cell(origin)}{_doc_cell(copy)}<td class="opening"><a href="#{reuse_id}">{escape(_opening(reuse, texts))}</a></td>'
            f"<td>{kind_badge(reuse['kind'])}</td>"
            f'<td class="num" data-value="{reuse["similarity"]}">{reuse["similarity"]:.2f}</td>'
            f'<td class="num nowrap" data-value="{"" if lag is None else lag}">{escape(format_lag(lag))}</td></tr>'
        )
    return f'<div class="card table-card"><table class="sortable" id="reuse-table">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def _article_table(report: dict[str, Any], origin_anchors: dict[str, str]) -> str:
    head = sortable_head([("Article", "text", False), ("Outlet", "text", False), ("Published", "text", False),
                           ("Passages", "number", True), ("Reused", "number", True), ("Original share", "number", False)])
    rows = []
    for order, document in enumerate(report["documents"]):
        original = shares(document)[0]
        anchor = origin_anchors.get(document["path"])
        title = f'<a href="#{anchor}">{title_text(document)}</a>' if anchor else title_text(document)
        rows.append(
            f'<tr data-article data-order="{order}"><td class="doc-cell"><span class="t">{title}</span>'
            f"<code>{escape(document['path'])}</code></td><td>{escape(outlet(document) or '—')}</td>"
            f'<td data-value="{escape(document.get("published") or "")}">{escape(format_published(document))}</td>'
            f'<td class="num">{document.get("passages", "")}</td><td class="num">{document.get("reused_passages", "")}</td>'
            f'<td class="bar-cell" data-value="{original}">{share_bar(document)}'
            f"<small>{share_words(document)}</small></td></tr>"
        )
    return f'<div class="card table-card"><table class="sortable" id="article-table">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def boilerplate_list(report: dict[str, Any], limit: int | None = None) -> str:
    """The boilerplate texts kept out of the findings (the first ``limit``, by articles)."""
    entries = report.get("boilerplate") or []
    if not entries:
        return '<p class="hint">No boilerplate found.</p>'
    shown = sorted(entries, key=lambda e: -e["documents"])[:limit] if limit is not None else entries
    items = "".join(
        f"<li><q>{escape(' '.join(entry['text'].split()))}</q> <span class=\"meta\">{escape(entry['reason'])} · "
        f"{entry['documents']} article{'s' if entry['documents'] != 1 else ''}</span></li>"
        for entry in shown
    )
    if len(shown) < len(entries):
        items += f'<li class="hint">{len(entries) - len(shown)} more, each in fewer articles, not listed</li>'
    return (
        f'<details class="card boilerplate"><summary>{len(entries)} boilerplate text{"s" if len(entries) != 1 else ""} '
        f"kept out of the findings (video promos, subscription prompts, lines repeated across one site)</summary><ul>{items}</ul></details>"
    )


def page_header(report: dict[str, Any], title: str = "Passage provenance report", back: str = "") -> str:
    """The dark header: ``title``, a one-line lede and the index's summary figures."""
    summary = report["summary"]
    stats = [
        ("documents", summary["documents"]), ("passages", summary["passages"]),
        ("reused passages", summary["reused_passages"]), ("reuses", summary["reuses"]),
        ("clusters", summary["clusters"]), ("boilerplate", summary["boilerplate_passages"]),
        ("undated", summary["undated_documents"]), ("uncertain origins", summary["uncertain_origins"]),
    ]
    cards = "".join(f'<div class="stat"><b>{value}</b><span>{escape(label)}</span></div>' for label, value in stats)
    origins = len({r["origin"]["path"] for r in report["reuses"]})
    copies = len({r["copy"]["path"] for r in report["reuses"]})
    lede = (f"{summary['reuses']} reused passages: {copies} article{'s' if copies != 1 else ''} took text from "
            f"{origins} earlier one{'s' if origins != 1 else ''}")
    if len(report["reuses"]) < summary["reuses"]:
        lede += f" (this page shows {len(report['reuses'])}, filtered)"
    if len(report["reuses"]) < summary["reuses"] and title != "Passage provenance report":
        lede = lede.replace("this page shows", "this report shows")
    return (f'<header class="top"><div class="wrap">{back}<h1>{escape(title)}</h1>'
            f'<p class="lede">{escape(lede)}</p><div class="stats">{cards}</div></div></header>')


def toolbar(reuses: list[dict[str, Any]], jumps: list[tuple[str, str]]) -> str:
    """The sticky filter bar: search box, kind toggles, count, and ``jumps`` (href, label)."""
    present = sorted({r["kind"] for r in reuses}, key=lambda k: (KINDS.index(k) if k in KINDS else 99, k))
    toggles = "".join(
        f'<label><input type="checkbox" data-kind-toggle value="{escape(kind)}" checked>{kind_badge(kind)}</label>' for kind in present
    )
    total = len(reuses)
    links = "".join(f'<a href="{href}">{escape(label)}</a>' for href, label in jumps)
    return (
        '<nav class="toolbar" aria-label="Filter"><div class="wrap">'
        '<input type="search" id="filter" placeholder="Filter by path, title, outlet or words  ( / )" aria-label="Filter reuses" autocomplete="off">'
        f'<div class="kinds" role="group" aria-label="Kinds">{toggles}</div>'
        f'<span id="count" aria-live="polite">{total} of {total} reuses shown</span>'
        f'<span class="jump">{links}</span></div></nav>'
    )


_JUMPS = [("#overview", "Overview"), ("#reuses", "Reuses"), ("#side-by-side", "Side by side"), ("#articles", "Articles"),
          ("#boilerplate", "Boilerplate")]


def render_html(report: dict[str, Any], texts: Mapping[str, str]) -> str:
    """The whole page as one string; ``texts`` maps document path -> decoded text."""
    groups = display_groups(report)
    ids = {id(reuse): f"r{position + 1}" for position, reuse in enumerate(display_order(report))}
    anchors = {group.origin["path"]: f"origin-{position + 1}" for position, group in enumerate(groups)}
    overview = build_overview(report)
    if groups:
        sections = "".join(origin_card(group, anchors[group.origin["path"]], ids, texts) for group in groups)
        empty = '<p class="card empty" data-empty hidden>No reuse matches the filter.</p>'
        reuses = _reuse_table(report, ids, texts)
    else:
        nothing = "No reused passages across articles." if report["summary"]["reuses"] == 0 else "No reuses match the filters."
        sections, empty, reuses = "", f'<p class="card empty">{nothing}</p>', ""
    body = (
        f'{page_header(report)}{toolbar(report["reuses"], _JUMPS)}<main class="wrap">'
        f'{overview_section(overview, lambda stat: "#" + anchors[stat.origin["path"]])}'
        f"{graph_section(report, overview, ids, {path: '#' + anchor for path, anchor in anchors.items()})}"
        f'<section class="block" id="reuses"><h2>Reuses</h2>{reuses}</section>'
        f'<section class="block" id="side-by-side"><h2>Side by side</h2>{EDIT_LEGEND}{empty}{sections}</section>'
        f'<section class="block" id="articles"><h2>Articles</h2>{BAR_LEGEND}{_article_table(report, anchors)}</section>'
        f'<section class="block" id="boilerplate"><h2>Boilerplate</h2>{boilerplate_list(report)}</section>'
        f"</main>{footer(report)}"
    )
    return html_page("Passage provenance report", body)
