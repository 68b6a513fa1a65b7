"""Building blocks shared by the HTML report page and the HTML site.

An origin article's card (:func:`origin_card`): its head, then per copying article the
reused passages side by side, the span highlighted inside its paragraph and the edits
marked word by word (:mod:`~provenance.report.align`); originality bars; kind badges;
legends; and :func:`safe_href`, the only way a URL becomes a link. Every piece of
article text, title, path and URL is HTML-escaped here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

from provenance.report.align import align_reuse
from provenance.report.select import KINDS, OriginGroup, format_lag, format_published, outlet

__all__ = [
    "BAR_LEGEND",
    "CONTEXT_CHARS",
    "EDIT_LEGEND",
    "GRAPH_LEGEND",
    "KINDS",
    "bar_with_words",
    "copy_block",
    "copy_section",
    "doc_meta",
    "kind_badge",
    "origin_card",
    "origin_head",
    "pair_html",
    "safe_href",
    "share_bar",
    "share_words",
    "shares",
    "sortable_head",
    "title_text",
]

CONTEXT_CHARS = 320  # of the surrounding paragraph shown on each side of a reused span
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


def doc_meta(document: dict[str, Any], extra: str = "") -> str:
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


def shares(document: dict[str, Any]) -> tuple[float, float, float]:
    """(original, reused, boilerplate) shares of the article's text."""
    body = document.get("body_shares")
    if body:
        return body["original"], body["reused"], body["boilerplate"]
    original = float(document.get("original_share", 1.0))
    return original, 1.0 - original, 0.0


def share_words(document: dict[str, Any]) -> str:
    """``76% original · 24% reused``: the shares that are not zero."""
    named = zip(("original", "reused", "boilerplate"), shares(document))
    return " · ".join(f"{share:.0%} {name}" for name, share in named if round(share * 100)) or "no text"


def share_bar(document: dict[str, Any]) -> str:
    original, reused, boilerplate = shares(document)
    label = f"{original:.0%} original, {reused:.0%} reused, {boilerplate:.0%} boilerplate"
    spans = "".join(
        f'<span class="b-{name}" style="width:{share * 100:.2f}%"></span>'
        for name, share in (("original", original), ("reused", reused), ("boilerplate", boilerplate))
        if share > 0
    )
    return f'<div class="bar" role="img" aria-label="{label}" title="{label}">{spans}</div>'


def bar_with_words(document: dict[str, Any]) -> str:
    return f'<div class="bar-line">{share_bar(document)}<span>{share_words(document)}</span></div>'


def kind_badge(kind: str) -> str:
    return f'<span class="kind kind-{escape(kind)}">{escape(kind)}</span>'


def title_text(document: dict[str, Any]) -> str:
    return escape(document.get("title") or document["path"])


def pair_html(reuse: dict[str, Any], reuse_id: str, origin: dict[str, Any], copy: dict[str, Any], texts: Mapping[str, str]) -> str:
    o, c = reuse["origin"], reuse["copy"]
    alignment = align_reuse(reuse, texts)
    head = [
        kind_badge(reuse["kind"]),
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


def origin_head(origin: dict[str, Any], passages: int) -> str:
    """The head of an origin article's card (title, outlet, time, path, link, bar)."""
    return (
        f'<header class="doc-head"><div class="role origin">Origin · first published here</div><h3>{title_text(origin)}</h3>'
        + doc_meta(origin, f"{passages} passage{'s' if passages != 1 else ''} reused")
        + bar_with_words(origin) + "</header>"
    )


def copy_block(origin: dict[str, Any], copy: dict[str, Any], reuses: list[dict[str, Any]], ids: dict[int, str],
               texts: Mapping[str, str], anchor: str = "", note: str = "") -> str:
    """One copying article and its passages side by side with the origin's; ``note`` is
    trusted markup added to its meta line (e.g. a link to its own page)."""
    pairs = [pair_html(reuse, ids[id(reuse)], origin, copy, texts) for reuse in reuses]
    return copy_section(copy, reuses[0]["lag_seconds"], pairs, anchor, note)


def copy_section(copy: dict[str, Any], lag_seconds: int | None, pairs: list[str], anchor: str = "", note: str = "") -> str:
    """:func:`copy_block` from passages already rendered (:func:`pair_html`)."""
    lag = escape(format_lag(lag_seconds))
    ident = f' id="{anchor}"' if anchor else ""
    return (
        f'<section class="copy-block"{ident} data-group>'
        f'<header class="doc-head"><div class="role copy">Copy · {lag} later</div><h4>{title_text(copy)}</h4>'
        + doc_meta(copy, note) + bar_with_words(copy) + "</header>" + "".join(pairs) + "</section>"
    )


def origin_card(group: OriginGroup, anchor: str, ids: dict[int, str], texts: Mapping[str, str]) -> str:
    """An origin article and every copy of it, each copy's passages side by side."""
    blocks = "".join(copy_block(group.origin, copy, reuses, ids, texts) for copy, reuses in group.copies)
    return (f'<article class="card origin-card" id="{anchor}" data-group>{origin_head(group.origin, len(group.reuses))}'
            f"{blocks}</article>")


def sortable_head(columns: list[tuple[str, str, bool]]) -> str:
    """Header cells that sort their column (``kind``: text or number) when clicked."""
    cells = "".join(
        f'<th data-sort="{kind}"{" class=num" if numeric else ""}><button type="button">{escape(name)}</button></th>'
        for name, kind, numeric in columns
    )
    return f"<thead><tr>{cells}</tr></thead>"


EDIT_LEGEND = (
    '<p class="legend"><span><mark class="span">reused span</mark></span>'
    '<span><ins class="ed">inserted</ins> in the copy</span><span><del class="ed">deleted</del> from the origin</span>'
    '<span><span class="ed">changed</span> words</span><span>grey: the rest of the paragraph</span></p>'
)
GRAPH_LEGEND = (
    '<p class="legend"><span><i class="swatch dot" style="background:#0f766e"></i>origin</span>'
    '<span><i class="swatch dot" style="background:#1d4ed8"></i>copy</span>'
    '<span><i class="swatch dot" style="background:#7c3aed"></i>both</span>'
    '<span><i class="swatch dot" style="background:#cbd5e1"></i>no reuse</span></p>'
)
BAR_LEGEND = (
    '<p class="legend"><span><i class="swatch" style="background:var(--bar-original)"></i>original</span>'
    '<span><i class="swatch" style="background:var(--bar-reused)"></i>reused from an earlier article</span>'
    '<span><i class="swatch" style="background:var(--bar-boilerplate)"></i>boilerplate</span>'
    "<span>(share of each article's text, in characters)</span></p>"
)
