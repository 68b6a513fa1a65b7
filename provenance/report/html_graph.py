"""The provenance graph of the HTML report: inline SVG, articles on a time axis.

Each outlet (site or URL host) gets a horizontal lane; each article taking part in a
reuse is a dot in its outlet's lane at its publication time (undated articles in a
column of their own at the right); an arrow runs from each origin article to each
article that took text from it, thicker the more passages it took. Everything is
computed here, server side, so the picture needs no script and prints as it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from provenance.report.select import format_published, outlet

__all__ = ["LABELLED_NODES", "MAX_NODES", "render_graph", "render_outlet_graph"]

MAX_NODES = 150  # beyond this a picture stops informing; the busiest articles are kept
LABELLED_NODES = 40  # up to this many dots the picture has room for titles and edge counts
EDGE_LABELS = 8  # above this many arrows only those carrying several passages are labelled
WIDTH = 1000
LEFT = 150  # lane labels
RIGHT_PAD = 40
UNDATED_WIDTH = 130
TOP = 34  # time axis
LANE_HEIGHT = 78
ROW_STEP = 34  # stacked dots that would overlap inside a lane
NODE_RADIUS = 7
_STEPS_HOURS = (1, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 30, 24 * 91, 24 * 182, 24 * 365)
_ROLE_COLOURS = {"origin": "#0f766e", "copy": "#1d4ed8", "both": "#7c3aed", "none": "#cbd5e1"}


@dataclass(slots=True)
class _Node:
    path: str
    document: dict[str, Any]
    seconds: float | None
    role: str
    x: float = 0.0
    y: float = 0.0


def _seconds(published: str | None) -> float | None:
    if not published:
        return None
    return datetime.fromisoformat(published).timestamp()


def _ticks(start: float, end: float, whole_days: bool) -> list[tuple[float, str]]:
    """Round-numbered ticks (at most 8) between two instants, labelled by their scale."""
    span_hours = max((end - start) / 3600, 1e-9)
    steps = [h for h in _STEPS_HOURS if not whole_days or h >= 24]
    step_hours = next((h for h in steps if span_hours / h <= 8), steps[-1])
    step = step_hours * 3600
    first = math.ceil(start / step) * step
    ticks: list[tuple[float, str]] = []
    value = float(first)
    while value <= end:
        moment = datetime.fromtimestamp(value, tz=UTC)
        label = moment.strftime("%d %b %Y") if step_hours >= 24 else moment.strftime("%d %b %H:%M")
        ticks.append((value, label))
        value += step
    return ticks


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _nodes(report: dict[str, Any]) -> tuple[dict[str, _Node], int]:
    """Articles to draw: those taking part in a reuse (busiest first), then the others as
    context, at most :data:`MAX_NODES`; returns them and how many were left out."""
    documents = {d["path"]: d for d in report["documents"]}
    degree: dict[str, int] = {}
    roles: dict[str, set[str]] = {}
    for reuse in report["reuses"]:
        for side in ("origin", "copy"):
            path = reuse[side]["path"]
            degree[path] = degree.get(path, 0) + 1
            roles.setdefault(path, set()).add(side)
    if not degree:
        return {}, 0
    involved = sorted(degree, key=lambda p: (-degree[p], p))
    kept = involved[:MAX_NODES]
    context = sorted(set(documents) - set(degree))
    if len(kept) + len(context) <= LABELLED_NODES:  # small corpora: show the untouched articles too
        kept += context
    nodes = {}
    for path in sorted(kept):
        document = documents.get(path, {"path": path})
        taking_part = roles.get(path, set())
        role = "both" if len(taking_part) == 2 else next(iter(taking_part), "none")
        nodes[path] = _Node(path, document, _seconds(document.get("published")), role)
    return nodes, len(involved) - min(len(involved), MAX_NODES)


def _layout(nodes: dict[str, _Node], labelled: bool) -> tuple[list[tuple[str, float, float]], list[tuple[float, str]], float, bool]:
    """Place nodes; returns lanes (label, top, height), ticks, total height, has-undated.

    Dots that would overlap (or, with titles, whose titles would) stack in rows of a lane.
    """
    gap = 150 if labelled else 2 * NODE_RADIUS + 4
    row_step = ROW_STEP if labelled else 2 * NODE_RADIUS + 4
    first_row = 36 if labelled else 24
    dated = [n.seconds for n in nodes.values() if n.seconds is not None]
    has_undated = any(n.seconds is None for n in nodes.values())
    plot_right = WIDTH - RIGHT_PAD - (UNDATED_WIDTH if has_undated else 0)
    ticks: list[tuple[float, str]] = []
    if dated:
        low, high = min(dated), max(dated)
        pad = max((high - low) * 0.08, 12 * 3600)
        low, high = low - pad, high + pad
        whole_days = all(n.document.get("date_only") for n in nodes.values() if n.seconds is not None)
        ticks = [(LEFT + (value - low) / (high - low) * (plot_right - LEFT), label) for value, label in _ticks(low, high, whole_days)]
        for node in nodes.values():
            if node.seconds is not None:
                node.x = LEFT + (node.seconds - low) / (high - low) * (plot_right - LEFT)
    undated = sorted((n for n in nodes.values() if n.seconds is None), key=lambda n: n.path)
    for node in undated:
        node.x = plot_right + 10 + UNDATED_WIDTH / 2
    by_lane: dict[str, list[_Node]] = {}
    for node in sorted(nodes.values(), key=lambda n: (n.seconds is None, n.seconds or 0.0, n.path)):
        by_lane.setdefault(outlet(node.document) or "no outlet", []).append(node)
    lanes: list[tuple[str, float, float]] = []
    top = float(TOP)
    for label in sorted(by_lane, key=lambda name: (name == "no outlet", name)):
        rows: list[float] = []  # the rightmost x used in each stacked row of this lane
        placed = []
        for node in by_lane[label]:
            row = next((i for i, right in enumerate(rows) if node.x - right >= gap), None)
            if row is None:
                rows.append(node.x)
                row = len(rows) - 1
            rows[row] = node.x
            placed.append((node, row))
        height = (LANE_HEIGHT if labelled else 2 * first_row) + row_step * (len(rows) - 1)
        for node, row in placed:
            node.y = top + first_row + row * row_step
        lanes.append((label, top, height))
        top += height
    return lanes, ticks, float(top + 8), has_undated


def _edge_path(origin: _Node, copy: _Node) -> str:
    x1, y1, x2, y2 = origin.x, origin.y, copy.x, copy.y
    if abs(y1 - y2) < 1:  # same row: arc above the lane
        lift = min(46.0, 14 + abs(x2 - x1) / 5)
        return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 - lift:.1f} {x2:.1f},{y2 - lift:.1f} {x2:.1f},{y2 - NODE_RADIUS - 3:.1f}"
    bend = (x2 - x1) / 2
    end_y = y2 - (NODE_RADIUS + 3) * (1 if y2 > y1 else -1)
    return f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{end_y:.1f}"


def render_graph(report: dict[str, Any], reuse_ids: dict[int, str], links: dict[str, str]) -> str:
    """The ``<svg>`` element; ``reuse_ids`` maps ``id(reuse)`` to its element id in the
    page, ``links`` an article's path to the href of its passages (``#origin-3``, or a
    page of the site); an article without one links to ``#articles``."""
    nodes, left_out = _nodes(report)
    if not nodes:
        return '<p class="empty">No article took text from another.</p>'
    labelled = len(nodes) <= LABELLED_NODES
    lanes, ticks, height, has_undated = _layout(nodes, labelled)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-labelledby="graph-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="graph-title">Provenance graph: arrows run from the article that published a passage first to each article that reused it</title>',
        ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="11" markerHeight="11" '
         'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>'),
        '<g class="axis">',
    ]
    for x, label in ticks:
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 6:.0f}"/>')
        parts.append(f'<text x="{x:.1f}" y="{TOP - 14}" text-anchor="middle">{escape(label)}</text>')
    if has_undated:
        x = WIDTH - RIGHT_PAD - UNDATED_WIDTH + 10
        parts.append(f'<line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{height - 6:.0f}" stroke-dasharray="4 4"/>')
        parts.append(f'<text x="{x + 14}" y="{TOP - 14}" text-anchor="start">undated</text>')
    parts.append("</g>")
    for index, (label, top, lane_height) in enumerate(lanes):
        if index % 2:
            parts.append(f'<rect x="0" y="{top:.0f}" width="{WIDTH}" height="{lane_height:.0f}" fill="#64748b" fill-opacity="0.05"/>')
        parts.append(f'<text class="lane-label" x="12" y="{top + (40 if labelled else 28):.0f}">{escape(_short(label, 22))}</text>')
    edges: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for reuse in report["reuses"]:
        key = (reuse["origin"]["path"], reuse["copy"]["path"])
        if key[0] in nodes and key[1] in nodes:
            edges.setdefault(key, []).append(reuse)
    if len(edges) > LABELLED_NODES:  # many arrows: lighter, so the crossings stay legible
        parts[0] = parts[0].replace("<svg ", '<svg class="dense" ', 1)
    for (origin_path, copy_path), reuses in sorted(edges.items()):
        origin, copy = nodes[origin_path], nodes[copy_path]
        ids = " ".join(reuse_ids[id(r)] for r in reuses)
        width = (1.5 if labelled else 1.0) + math.log2(len(reuses)) * 1.2
        label = f"{len(reuses)} passage{'s' if len(reuses) != 1 else ''}"
        mid_x, mid_y = (origin.x + copy.x) / 2, (origin.y + copy.y) / 2 - 6
        if abs(origin.y - copy.y) < 1:  # above the arc's top, which is 3/4 of its lift
            mid_y = origin.y - 0.75 * min(46.0, 14 + abs(copy.x - origin.x) / 5) - 8
        href = escape(links.get(origin_path, "#articles"), quote=True)
        parts.append(
            f'<a href="{href}" class="edge" data-edge="{ids}"><title>{escape(origin_path)} → {escape(copy_path)}: {label}</title>'
            f'<path d="{_edge_path(origin, copy)}" stroke-width="{width:.1f}" marker-end="url(#arrow)"/>'
            + (f'<text x="{mid_x:.1f}" y="{mid_y:.1f}" text-anchor="middle">{label}</text>'
               if labelled and (len(reuses) > 1 or len(edges) <= EDGE_LABELS) else "")
            + "</a>"
        )
    for node in nodes.values():
        title = node.document.get("title") or node.path
        tip = f"{title}\n{node.path} · {outlet(node.document) or 'no outlet'} · {format_published(node.document)}"
        if node.role == "none":
            tip += "\nno passage reused to or from it"
        colour = _ROLE_COLOURS[node.role]
        label_y = node.y + NODE_RADIUS + 13
        faint = ' opacity="0.6"' if node.role == "none" else ""
        parts.append(
            f'<a href="{escape(links.get(node.path, "#articles"), quote=True)}"{faint}><title>{escape(tip)}</title>'
            f'<circle cx="{node.x:.1f}" cy="{node.y:.1f}" r="{NODE_RADIUS}" fill="{colour}" stroke="#fff" stroke-width="2"/>'
            + (f'<text class="node-label" x="{node.x:.1f}" y="{label_y:.1f}" text-anchor="middle">{escape(_short(title, 26))}</text>'
               if labelled else "")
            + "</a>"
        )
    parts.append("</svg>")
    if left_out:
        parts.append(f'<p class="hint">{left_out} more articles with fewer reuses are left out of the picture.</p>')
    return "".join(parts)


_FLOW_COLOURS = ("#0f766e", "#1d4ed8", "#b45309", "#7c3aed", "#be123c", "#15803d", "#0369a1", "#a16207",
                 "#6d28d9", "#c2410c", "#0e7490", "#4d7c0f")
_OTHER_COLOUR = "#94a3b8"


def render_outlet_graph(names: list[str], cells: dict[tuple[str, str], tuple[int, int]]) -> str:
    """The provenance graph folded to outlets: origin outlets on the left, copying outlets
    on the right, a band from each to each as thick as the passages it carried (the
    cells of :func:`~provenance.report.overview.outlet_matrix`)."""
    if not cells:
        return '<p class="empty">No article took text from another.</p>'
    sent = {name: sum(n for (a, _), (n, _) in cells.items() if a == name) for name in names}
    received = {name: sum(n for (_, b), (n, _) in cells.items() if b == name) for name in names}
    left_names = [name for name in names if sent[name]]
    right_names = [name for name in names if received[name]]
    total = sum(n for n, _ in cells.values())
    gap, top = 10.0, 16.0
    height = max(260.0, 30.0 * max(len(left_names), len(right_names)))
    scale = (height - gap * (max(len(left_names), len(right_names)) - 1)) / total
    colours = {name: _FLOW_COLOURS[i % len(_FLOW_COLOURS)] for i, name in enumerate(names)}
    colours["other outlets"] = _OTHER_COLOUR

    def stack(column: list[str], size: dict[str, int]) -> dict[str, float]:
        positions, y = {}, top
        for name in column:
            positions[name] = y
            y += size[name] * scale + gap
        return positions

    left_y, right_y = stack(left_names, sent), stack(right_names, received)
    x_left, x_right, bar = 230.0, WIDTH - 230.0, 12.0
    parts = [
        (f'<svg class="outlet-graph" viewBox="0 0 {WIDTH} {height + 2 * top:.0f}" role="img" aria-labelledby="og-title" '
         'xmlns="http://www.w3.org/2000/svg"><title id="og-title">Passages taken, by outlet: origin outlets on the left, '
         "copying outlets on the right</title>"),
    ]
    left_cursor, right_cursor = dict(left_y), dict(right_y)
    order = sorted(cells.items(), key=lambda item: (left_names.index(item[0][0]), right_names.index(item[0][1])))
    for (source, target), (passages, articles) in order:
        thickness = passages * scale
        y1 = left_cursor[source] + thickness / 2
        y2 = right_cursor[target] + thickness / 2
        left_cursor[source] += thickness
        right_cursor[target] += thickness
        mid = (x_left + bar + x_right) / 2
        parts.append(
            f'<path class="flow" d="M{x_left + bar:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x_right:.1f},{y2:.1f}" '
            f'stroke="{colours[source]}" stroke-width="{max(thickness, 1.0):.1f}"><title>{escape(source)} → {escape(target)}: '
            f"{passages} passage{'s' if passages != 1 else ''}, {articles} copying article{'s' if articles != 1 else ''}</title></path>"
        )
    for column, positions, size, x, anchor, label_x in (
        (left_names, left_y, sent, x_left, "end", x_left - 8),
        (right_names, right_y, received, x_right, "start", x_right + bar + 8),
    ):
        for name in column:
            y, h = positions[name], max(size[name] * scale, 1.0)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.0f}" height="{h:.1f}" fill="{colours[name]}"/>')
            parts.append(f'<text class="lane-label" x="{label_x:.1f}" y="{y + h / 2 + 4:.1f}" text-anchor="{anchor}">'
                         f"{escape(_short(name, 30))} <tspan class=\"count\">{size[name]}</tspan></text>")
    parts.append("</svg>")
    return "".join(parts)
