"""The overview at the top of the HTML report page and of the site's ``index.html``.

Who takes text from whom by outlet (a matrix of origin outlet x copying outlet, cells
shaded by passages), the most reused origin articles, how long copies took (article
pairs per lag bucket), reuse by kind, and a column per day of the copies' publication.
Then the provenance graph: article by article while at most :data:`GRAPH_ARTICLES`
articles take part, folded to outlets above that (a picture of thousands of arcs informs
no one). All of it is bounded by the number of outlets and days, never by articles, so
the overview stays a few hundred kilobytes at any index size.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from provenance.report.html_cards import GRAPH_LEGEND, kind_badge, title_text
from provenance.report.html_graph import WIDTH, render_graph, render_outlet_graph
from provenance.report.overview import OriginStat, Overview, outlet_matrix, timeline_bins
from provenance.report.select import format_lag, format_published, outlet

__all__ = ["GRAPH_ARTICLES", "MATRIX_OUTLETS", "OVERVIEW_CSS", "first_lag", "graph_section", "overview_section"]

GRAPH_ARTICLES = 150  # articles taking part above which the graph shows outlets instead
MATRIX_OUTLETS = 12  # busiest outlets in the matrix and outlet graph; the rest are "other outlets"
TOP_ORIGINS = 10

OVERVIEW_CSS = """
.ov-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr)); gap: 1rem; }
.ov-card { padding: 0.8rem 1rem; min-width: 0; }
.ov-card.wide { grid-column: 1 / -1; }
.ov-card h3 { margin: 0 0 0.5rem; font-size: 1rem; }
.ov-card .hint { margin: 0 0 0.5rem; }
.matrix-wrap { overflow-x: auto; }
table.matrix { width: auto; font-size: 0.82rem; }
table.matrix th, table.matrix td { padding: 0.25rem 0.4rem; border: 1px solid var(--line); text-align: right; }
table.matrix th.row { text-align: left; white-space: nowrap; max-width: 14rem; overflow: hidden; text-overflow: ellipsis; }
table.matrix th.col { vertical-align: bottom; height: 12rem; }
table.matrix th.col span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; max-height: 12rem;
  overflow: hidden; text-overflow: ellipsis; display: inline-block; font-weight: 600; }
table.matrix td small { display: block; color: inherit; opacity: 0.75; font-size: 0.72rem; }
table.matrix td.zero { color: #c0c6cf; }
table.top-origins td { padding: 0.35rem 0.5rem; }
table.top-origins td a { font-weight: 600; }
table.top-origins td small { display: block; color: var(--muted); }
.back { display: inline-block; margin-bottom: 0.4rem; color: #93c5fd; }
.parts { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 1rem 0; }
ul.hbars { list-style: none; margin: 0; padding: 0; }
ul.hbars li { display: grid; grid-template-columns: 8.5rem 1fr 3.5rem; gap: 0.6rem; align-items: center; margin: 0.3rem 0;
  font-size: 0.86rem; }
.hb-track { background: #eef0f3; border-radius: 999px; height: 10px; overflow: hidden; }
.hb-fill { display: block; height: 100%; background: var(--copy); border-radius: 999px; }
.hb-n { text-align: right; font-variant-numeric: tabular-nums; }
svg.days { display: block; width: 100%; height: auto; font-family: var(--sans); }
svg.days rect { fill: var(--copy); }
svg.days rect:hover { fill: var(--origin); }
svg.days text { font-size: 11px; fill: var(--muted); }
.graph svg.outlet-graph { min-width: 560px; }
.graph .flow { fill: none; stroke-opacity: 0.45; }
.graph .flow:hover { stroke-opacity: 0.8; }
.graph .count { fill: var(--muted); font-weight: 400; }
@media (prefers-color-scheme: dark) { .hb-track { background: #273140; } .graph .lane-label { fill: #cbd5e1; } }
"""


def _matrix(overview: Overview) -> str:
    names, cells = outlet_matrix(overview, MATRIX_OUTLETS)
    peak = max(n for n, _ in cells.values())
    head = "".join(f'<th class="col" scope="col"><span title="{escape(name)}">{escape(name)}</span></th>' for name in names)
    rows = []
    for source in names:
        tds = []
        for target in names:
            passages, articles = cells.get((source, target), (0, 0))
            if not passages:
                tds.append('<td class="zero">·</td>')
                continue
            alpha = 0.08 + 0.72 * passages / peak
            ink = "#fff" if alpha > 0.5 else "var(--ink)"
            tip = f"{source} → {target}: {passages} passages, {articles} copying articles"
            tds.append(f'<td style="background:rgba(15,118,110,{alpha:.2f});color:{ink}" title="{escape(tip)}">'
                       f"{passages}<small>{articles} art.</small></td>")
        rows.append(f'<tr><th class="row" scope="row" title="{escape(source)}">{escape(source)}</th>{"".join(tds)}</tr>')
    return (
        '<div class="card ov-card wide"><h3>Who takes text from whom, by outlet</h3>'
        '<p class="hint">Rows: the outlet that published a passage first; columns: the outlet whose articles reused it. '
        "Each cell: passages, then copying articles.</p>"
        f'<div class="matrix-wrap"><table class="matrix"><thead><tr><th>from ↓ to →</th>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div></div>'
    )


def _top_origins(overview: Overview, link: Callable[[OriginStat], str]) -> str:
    rows = []
    for rank, stat in enumerate(overview.origins[:TOP_ORIGINS], start=1):
        origin = stat.origin
        rows.append(
            f'<tr><td class="num">{rank}</td><td><a href="{escape(link(stat), quote=True)}">{title_text(origin)}</a>'
            f"<small>{escape(outlet(origin) or 'no outlet')} · {escape(format_published(origin))}</small></td>"
            f'<td class="num">{stat.copy_articles}</td><td class="num">{stat.copy_outlets}</td><td class="num">{stat.passages}</td>'
            f'<td class="num nowrap">{escape(first_lag(stat))}</td></tr>'
        )
    more = len(overview.origins) - TOP_ORIGINS
    tail = f'<p class="hint">{more} more in the table of origin articles below.</p>' if more > 0 else ""
    return (
        '<div class="card ov-card wide"><h3>Most reused origin articles</h3><div class="table-card">'
        '<table class="top-origins"><thead><tr><th class="num">#</th><th>origin article</th><th class="num">copying articles</th>'
        '<th class="num">their outlets</th><th class="num">passages</th><th class="num">first copy after</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>{tail}</div>'
    )


def _bars(title: str, hint: str, pairs: list[tuple[str, int]], badge: bool = False) -> str:
    peak = max((n for _, n in pairs), default=0) or 1
    items = "".join(
        f'<li><span class="hb-label">{kind_badge(label) if badge else escape(label)}</span><span class="hb-track">'
        f'<span class="hb-fill" style="width:{100 * n / peak:.1f}%"></span></span><span class="hb-n">{n}</span></li>'
        for label, n in pairs
    )
    return f'<div class="card ov-card"><h3>{escape(title)}</h3><p class="hint">{escape(hint)}</p><ul class="hbars">{items}</ul></div>'


def _days(overview: Overview) -> str:
    if not overview.days:
        return ""
    unit, bins = timeline_bins(overview, 200)
    peak = max(n for _, n in bins) or 1
    plot_left, plot_right, top, plot_height = 40.0, WIDTH - 10.0, 10.0, 110.0
    step = (plot_right - plot_left) / len(bins)
    bars = []
    width = min(max(step * 0.8, 1.0), 28.0)  # a few days make columns, not slabs
    for position, (day, n) in enumerate(bins):
        h = plot_height * n / peak
        bars.append(f'<rect x="{plot_left + position * step + (step - width) / 2:.1f}" y="{top + plot_height - h:.1f}" '
                    f'width="{width:.1f}" height="{h:.1f}"><title>{unit} of {day.isoformat()}: {n} '
                    f"passage{'s' if n != 1 else ''}</title></rect>")
    base = top + plot_height
    labels = (f'<text x="{plot_left - 6}" y="{top + 8}" text-anchor="end">{peak}</text>'
              f'<text x="{plot_left - 6}" y="{base}" text-anchor="end">0</text>'
              f'<text x="{plot_left}" y="{base + 16}">{bins[0][0].isoformat()}</text>'
              f'<text x="{plot_right}" y="{base + 16}" text-anchor="end">{overview.days[-1][0].isoformat()}</text>')
    n = overview.undated_copies
    undated = f" ({n} passage{'s' if n != 1 else ''} with an undated copy not shown)" if n else ""
    return (
        f'<div class="card ov-card wide"><h3>Reuse by {unit}</h3><p class="hint">Passages by the {unit} their copy was '
        f"published (UTC){escape(undated)}; hover a column for its count.</p>"
        f'<svg class="days" viewBox="0 0 {WIDTH} {base + 22:.0f}" role="img" aria-label="Passages reused per {unit}">'
        f'<line x1="{plot_left}" y1="{base}" x2="{plot_right}" y2="{base}" stroke="#cbd5e1"/>{"".join(bars)}{labels}</svg></div>'
    )


def overview_section(overview: Overview, link: Callable[[OriginStat], str]) -> str:
    """The overview block; ``link`` gives the href of an origin article's passages."""
    if overview.empty:
        return ""
    lag_hint = "Article pairs by the time from the origin's publication to the copy's."
    kind_hint = "Passages by how closely the copy follows its origin."
    return (
        '<section class="block" id="overview"><h2>Overview</h2><div class="ov-grid">'
        f"{_matrix(overview)}{_top_origins(overview, link)}"
        f'{_bars("Time to copy", lag_hint, overview.lags)}{_bars("By kind", kind_hint, overview.kinds, badge=True)}'
        f"{_days(overview)}</div></section>"
    )


def graph_section(report: dict[str, Any], overview: Overview, reuse_ids: dict[int, str], links: dict[str, str],
                  *, site: bool = False) -> str:
    """The provenance graph: per article up to :data:`GRAPH_ARTICLES` articles, else per
    outlet (``site``: each origin article's page then has its own graph)."""
    taking_part = overview.articles
    if taking_part <= GRAPH_ARTICLES:
        hint = ("Each lane is an outlet, each dot an article at its publication time; arrows run from the article that "
                "published a passage first to the articles that reused it. Click to jump to the texts.")
        body = f'{GRAPH_LEGEND}<div class="card graph">{render_graph(report, reuse_ids, links)}</div>'
    else:
        hint = (f"{taking_part} articles take part, too many to draw one by one (the limit is {GRAPH_ARTICLES}): each band "
                "runs from the outlet that published passages first to the outlet that reused them, as thick as the "
                "passages it carried. " + ("Each origin article's own graph is on its page." if site else
                                           "Write the report as a site (-o DIR/) for a graph per origin article."))
        body = f'<div class="card graph">{render_outlet_graph(*outlet_matrix(overview, MATRIX_OUTLETS))}</div>'
    return f'<section class="block" id="graph"><h2>Provenance graph</h2><p class="hint">{escape(hint)}</p>{body}</section>'


def first_lag(stat: OriginStat) -> str:
    """``+1 day 2 h``: how soon the first copy followed (for tables of origin articles)."""
    return format_lag(stat.first_lag_seconds)
