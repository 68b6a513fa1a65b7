"""The HTML report: one self-contained page to *see* what was copied, from whom, when.

Sections: a summary, the provenance graph (:mod:`~provenance.report.html_graph`), a
sortable table of reuses, then per origin article every copy side by side, the reused
span highlighted inside its paragraph and the edits in it marked word by word
(:mod:`~provenance.report.align`), and a sortable table of articles with originality
bars. A filter box and kind toggles hide reuses everywhere at once.

Safety: every piece of article text, title, path and URL is HTML-escaped; links are
made only from ``http``/``https`` URLs; and the Content-Security-Policy lets only the
report's own script run (by hash) and fetch nothing, so even text that slipped through
could neither run script nor reach the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

from provenance import __version__
from provenance.report.align import align_reuse
from provenance.report.html_assets import CSS, JS, script_hash
from provenance.report.html_graph import render_graph, render_outlet_flows
from provenance.report.select import (
    OriginGroup,
    display_groups,
    display_order,
    format_published,
    outlet,
)
from provenance.report.text import format_lag

__all__ = ["CONTEXT_CHARS", "render_html", "safe_href"]

CONTEXT_CHARS = 320  # of the surrounding paragraph shown on each side of a reused span
KINDS = ("verbatim", "near-duplicate", "contained")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_EDIT_TAGS = {
    "inserted": ('<ins class="ed" title="inserted in the copy">', "</ins>"),
    "deleted": ('<del class="ed" title="deleted from the origin">', "</del>"),
    "changed": ('<span class="ed" title="changed">', "</span>"),
}


def safe_href(url: str | None) -> str | None:
    """The URL escaped for an ``href``, or ``None`` unless it is ``http(s)`` (no ``javascript:``)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return escape(url.strip(), quote=True) if scheme in ("http", "https") else None


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int, bool, bool]:
    """The paragraph (blank-line delimited) around ``[start, end)``, at most
    ``CONTEXT_CHARS`` each side, cut at a space; and whether each side was cut."""
    before = max((m.end() for m in _PARAGRAPH_BREAK.finditer(text, 0, start)), default=0)
    after_match = _PARAGRAPH_BREAK.search(text, end)
    after = after_match.start() if after_match else len(text)
    cut_before = start - before > CONTEXT_CHARS
    if cut_before:
        space = text.find(" ", start - CONTEXT_CHARS, start)
        before = space + 1 if space >= 0 else start - CONTEXT_CHARS
    cut_after = after - end > CONTEXT_CHARS
    if cut_after:
        space = text.rfind(" ", end, end + CONTEXT_CHARS)
        after = space if space > end else end + CONTEXT_CHARS
    return before, after, cut_before, cut_after


def _passage(text: str, span: tuple[int, int], segments: Sequence[tuple[int, int, str]]) -> str:
    """The span inside its paragraph: context dimmed, span highlighted, edits marked."""
    start, end = span
    before, after, cut_before, cut_after = _paragraph_bounds(text, start, end)
    inner = []
    for seg_start, seg_end, mark in segments or [(start, end, "same")]:
        opening, closing = _EDIT_TAGS.get(mark, ("", ""))
        inner.append(f"{opening}{escape(text[seg_start:seg_end])}{closing}")
    lead = ("… " if cut_before else "") + text[before:start].lstrip()
    tail = text[end:after].rstrip() + (" …" if cut_after else "")
    return f'<p class="passage">{escape(lead)}<mark class="span">{"".join(inner)}</mark>{escape(tail)}</p>'


def _doc_meta(document: dict[str, Any], extra: str = "") -> str:
    sep = '<span class="sep">·</span>'
    parts = [f'<span class="outlet">{escape(outlet(document) or "no outlet")}</span>']
    published = document.get("published")
    when = escape(format_published(document))
    parts.append(f'<time datetime="{escape(published)}">{when}</time>' if published else when)
    parts.append(f"<code>{escape(document['path'])}</code>")
    href = safe_href(document.get("url"))
    if href:
        parts.append(f'<a href="{href}" rel="noopener noreferrer">{escape(urlsplit(document["url"].strip()).netloc)}</a>')
    if extra:
        parts.append(extra)
    return f'<p class="meta">{sep.join(parts)}</p>'


def _shares(document: dict[str, Any]) -> tuple[float, float, float]:
    shares = document.get("body_shares")
    if shares:
        return shares["original"], shares["reused"], shares["boilerplate"]
    original = float(document.get("original_share", 1.0))
    return original, 1.0 - original, 0.0


def _share_words(document: dict[str, Any]) -> str:
    """``76% original · 24% reused``: the shares that are not zero."""
    shares = zip(("original", "reused", "boilerplate"), _shares(document))
    return " · ".join(f"{share:.0%} {name}" for name, share in shares if round(share * 100)) or "no text"


def _bar(document: dict[str, Any]) -> str:
    original, reused, boilerplate = _shares(document)
    label = f"{original:.0%} original, {reused:.0%} reused, {boilerplate:.0%} boilerplate"
    spans = "".join(
        f'<span class="b-{name}" style="width:{share * 100:.2f}%"></span>'
        for name, share in (("original", original), ("reused", reused), ("boilerplate", boilerplate))
        if share > 0
    )
    return f'<div class="bar" role="img" aria-label="{label}" title="{label}">{spans}</div>'


def _bar_with_words(document: dict[str, Any]) -> str:
    return f'<div class="bar-line">{_bar(document)}<span>{_share_words(document)}</span></div>'


def _kind(kind: str) -> str:
    return f'<span class="kind kind-{escape(kind)}">{escape(kind)}</span>'


def _title(document: dict[str, Any]) -> str:
    return escape(document.get("title") or document["path"])


def _pair(reuse: dict[str, Any], reuse_id: str, origin: dict[str, Any], copy: dict[str, Any], texts: dict[str, str]) -> str:
    o, c = reuse["origin"], reuse["copy"]
    alignment = align_reuse(reuse, texts)
    head = [
        _kind(reuse["kind"]),
        f'<span class="sim">{reuse["similarity"]:.0%} similar</span>',
        f"<span>lag {escape(format_lag(reuse['lag_seconds']))}</span>",
        f'<span class="mono">origin [{o["start"]}:{o["end"]}] → copy [{c["start"]}:{c["end"]}]</span>',
    ]
    if alignment is not None and not alignment.identical:
        copy_marks = [mark for *_, mark in alignment.segments("copy")]
        origin_marks = [mark for *_, mark in alignment.segments("origin")]
        counts = {"changed": copy_marks.count("changed"), "inserted": copy_marks.count("inserted"),
                  "deleted": origin_marks.count("deleted")}
        edits = ", ".join(f"{n} {m}" for m, n in counts.items() if n)
        head.append(f"<span>edits: {edits}</span>")
    if not reuse["origin_certain"]:
        head.append('<span class="warn" title="an article in this cluster is undated or may be as old">origin uncertain</span>')
    if alignment is None:
        columns = '<p class="empty">The text of these articles is not in the index.</p>'
    else:
        origin_html = _passage(texts[o["path"]], (o["start"], o["end"]), alignment.segments("origin"))
        copy_html = _passage(texts[c["path"]], (c["start"], c["end"]), alignment.segments("copy"))
        columns = (
            f'<div class="cols"><div class="col"><div class="col-label origin">Origin <span>{escape(format_published(origin))}'
            f"</span></div>{origin_html}</div>"
            f'<div class="col"><div class="col-label copy">Copy <span>{escape(format_published(copy))}</span></div>{copy_html}</div></div>'
        )
    return (
        f'<div class="pair" id="{reuse_id}" data-reuse="{reuse_id}" data-kind="{escape(reuse["kind"])}">'
        f'<div class="pair-head">{"".join(head)}</div>{columns}</div>'
    )


def _origin_section(group: OriginGroup, anchor: str, ids: dict[int, str], texts: dict[str, str]) -> str:
    origin = group.origin
    count = len(group.reuses)
    parts = [
        f'<article class="card origin-card" id="{anchor}" data-group>',
        f'<header class="doc-head"><div class="role origin">Origin · first published here</div><h3>{_title(origin)}</h3>',
        _doc_meta(origin, f"{count} passage{'s' if count != 1 else ''} reused"),
        _bar_with_words(origin),
        "</header>",
    ]
    for copy, reuses in group.copies:
        lag = escape(format_lag(reuses[0]["lag_seconds"]))
        parts.append('<section class="copy-block" data-group>')
        parts.append(f'<header class="doc-head"><div class="role copy">Copy · {lag} later</div><h4>{_title(copy)}</h4>')
        parts.append(_doc_meta(copy) + _bar_with_words(copy) + "</header>")
        parts.extend(_pair(reuse, ids[id(reuse)], origin, copy, texts) for reuse in reuses)
        parts.append("</section>")
    parts.append("</article>")
    return "".join(parts)


def _doc_cell(document: dict[str, Any]) -> str:
    title = _title(document)
    return f'<td class="doc-cell"><span class="t" title="{title}">{title}</span><code>{escape(document["path"])}</code></td>'


def _sortable_head(columns: list[tuple[str, str, bool]]) -> str:
    """Header cells that sort their column (``kind``: text or number) when clicked."""
    cells = "".join(
        f'<th data-sort="{kind}"{" class=num" if numeric else ""}><button type="button">{escape(name)}</button></th>'
        for name, kind, numeric in columns
    )
    return f"<thead><tr>{cells}</tr></thead>"


def _opening(reuse: dict[str, Any], texts: dict[str, str], limit: int = 90) -> str:
    """The first words of the copy's reused span, to tell the table's rows apart."""
    copy = reuse["copy"]
    words = " ".join(texts.get(copy["path"], "")[copy["start"] : copy["end"]].split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + " …"


def _reuse_table(report: dict[str, Any], ids: dict[int, str], texts: dict[str, str]) -> str:
    documents = {d["path"]: d for d in report["documents"]}
    head = _sortable_head([("Origin", "text", False), ("Copy", "text", False), ("Passage", "text", False),
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
            f"<td>{_kind(reuse['kind'])}</td>"
            f'<td class="num" data-value="{reuse["similarity"]}">{reuse["similarity"]:.2f}</td>'
            f'<td class="num nowrap" data-value="{"" if lag is None else lag}">{escape(format_lag(lag))}</td></tr>'
        )
    return f'<div class="card table-card"><table class="sortable" id="reuse-table">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def _article_table(report: dict[str, Any], origin_anchors: dict[str, str]) -> str:
    head = _sortable_head([("Article", "text", False), ("Outlet", "text", False), ("Published", "text", False),
                           ("Passages", "number", True), ("Reused", "number", True), ("Original share", "number", False)])
    rows = []
    for order, document in enumerate(report["documents"]):
        original = _shares(document)[0]
        anchor = origin_anchors.get(document["path"])
        title = f'<a href="#{anchor}">{_title(document)}</a>' if anchor else _title(document)
        rows.append(
            f'<tr data-article data-order="{order}"><td class="doc-cell"><span class="t">{title}</span>'
            f"<code>{escape(document['path'])}</code></td><td>{escape(outlet(document) or '—')}</td>"
            f'<td data-value="{escape(document.get("published") or "")}">{escape(format_published(document))}</td>'
            f'<td class="num">{document.get("passages", "")}</td><td class="num">{document.get("reused_passages", "")}</td>'
            f'<td class="bar-cell" data-value="{original}">{_bar(document)}'
            f"<small>{_share_words(document)}</small></td></tr>"
        )
    return f'<div class="card table-card"><table class="sortable" id="article-table">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def _boilerplate(report: dict[str, Any]) -> str:
    entries = report.get("boilerplate") or []
    if not entries:
        return '<p class="hint">No boilerplate found.</p>'
    items = "".join(
        f"<li><q>{escape(' '.join(entry['text'].split()))}</q> <span class=\"meta\">{escape(entry['reason'])} · "
        f"{entry['documents']} article{'s' if entry['documents'] != 1 else ''}</span></li>"
        for entry in entries
    )
    return (
        f'<details class="card boilerplate"><summary>{len(entries)} boilerplate text{"s" if len(entries) != 1 else ""} '
        f"kept out of the findings (video promos, subscription prompts, lines repeated across one site)</summary><ul>{items}</ul></details>"
    )


def _header(report: dict[str, Any]) -> str:
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
    return (f'<header class="top"><div class="wrap"><h1>Passage provenance report</h1>'
            f'<p class="lede">{escape(lede)}</p><div class="stats">{cards}</div></div></header>')


def _toolbar(report: dict[str, Any]) -> str:
    present = sorted({r["kind"] for r in report["reuses"]}, key=lambda k: (KINDS.index(k) if k in KINDS else 99, k))
    toggles = "".join(
        f'<label><input type="checkbox" data-kind-toggle value="{escape(kind)}" checked>{_kind(kind)}</label>' for kind in present
    )
    total = len(report["reuses"])
    return (
        '<nav class="toolbar" aria-label="Filter"><div class="wrap">'
        '<input type="search" id="filter" placeholder="Filter by path, title, outlet or words  ( / )" aria-label="Filter reuses" autocomplete="off">'
        f'<div class="kinds" role="group" aria-label="Kinds">{toggles}</div>'
        f'<span id="count" aria-live="polite">{total} of {total} reuses shown</span>'
        '<span class="jump"><a href="#graph">Graph</a><a href="#reuses">Reuses</a><a href="#side-by-side">Side by side</a>'
        '<a href="#articles">Articles</a><a href="#boilerplate">Boilerplate</a></span></div></nav>'
    )


_LEGEND = (
    '<p class="legend"><span><mark class="span">reused span</mark></span>'
    '<span><ins class="ed">inserted</ins> in the copy</span><span><del class="ed">deleted</del> from the origin</span>'
    '<span><span class="ed">changed</span> words</span><span>grey: the rest of the paragraph</span></p>'
)
_GRAPH_LEGEND = (
    '<p class="legend"><span><i class="swatch dot" style="background:#0f766e"></i>origin</span>'
    '<span><i class="swatch dot" style="background:#1d4ed8"></i>copy</span>'
    '<span><i class="swatch dot" style="background:#7c3aed"></i>both</span>'
    '<span><i class="swatch dot" style="background:#cbd5e1"></i>no reuse</span></p>'
)
_BAR_LEGEND = (
    '<p class="legend"><span><i class="swatch" style="background:var(--bar-original)"></i>original</span>'
    '<span><i class="swatch" style="background:var(--bar-reused)"></i>reused from an earlier article</span>'
    '<span><i class="swatch" style="background:var(--bar-boilerplate)"></i>boilerplate</span>'
    "<span>(share of each article's text, in characters)</span></p>"
)


def render_html(report: dict[str, Any], texts: dict[str, str]) -> str:
    """The whole page as one string; ``texts`` maps document path -> decoded text."""
    groups = display_groups(report)
    ids = {id(reuse): f"r{position + 1}" for position, reuse in enumerate(display_order(report))}
    anchors = {group.origin["path"]: f"origin-{position + 1}" for position, group in enumerate(groups)}
    csp = (f"default-src 'none'; script-src {script_hash(JS)}; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    if groups:
        sections = "".join(_origin_section(group, anchors[group.origin["path"]], ids, texts) for group in groups)
        empty = '<p class="card empty" data-empty hidden>No reuse matches the filter.</p>'
        reuses = _reuse_table(report, ids, texts)
    else:
        nothing = "No reused passages across articles." if report["summary"]["reuses"] == 0 else "No reuses match the filters."
        sections, empty, reuses = "", f'<p class="card empty">{nothing}</p>', ""
    fingerprint = escape(str(report.get("config", {}).get("fingerprint", "")))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f'<meta name="generator" content="passage-provenance {escape(__version__)}">'
        f"<title>Passage provenance report</title><style>{CSS}</style></head><body>"
        f"{_header(report)}{_toolbar(report)}<main class=\"wrap\">"
        '<section class="block" id="graph"><h2>Who took text from whom</h2>'
        '<p class="hint">Each lane is an outlet, each dot an article at its publication time; arrows run from the '
        "article that published a passage first to the articles that reused it. Click to jump to the texts.</p>"
        f"{_GRAPH_LEGEND}"
        f'<div class="card graph">{render_graph(report, ids, anchors)}</div>{render_outlet_flows(report)}</section>'
        f'<section class="block" id="reuses"><h2>Reuses</h2>{reuses}</section>'
        f'<section class="block" id="side-by-side"><h2>Side by side</h2>{_LEGEND}{empty}{sections}</section>'
        f'<section class="block" id="articles"><h2>Articles</h2>{_BAR_LEGEND}{_article_table(report, anchors)}</section>'
        f'<section class="block" id="boilerplate"><h2>Boilerplate</h2>{_boilerplate(report)}</section>'
        f"</main><footer><div class=\"wrap\">passage-provenance {escape(__version__)} · matching configuration "
        f"<code>{fingerprint}</code> · offsets are characters of each article's decoded text</div></footer>"
        f"<script>{JS}</script></body></html>\n"
    )
