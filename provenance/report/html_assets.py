"""The stylesheet and script embedded in the HTML report.

Kept apart from the markup so each reads as what it is. Both are inlined: the report is
one file that works opened from disk, with no fonts, scripts or images fetched from
anywhere (its Content-Security-Policy forbids it). The script is plain ES2015 with no
dependencies: a filter box and kind toggles that hide reuses everywhere they appear,
and click-to-sort table headers. Without JavaScript the page is complete, just static.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["CSS", "JS", "script_hash"]

CSS = """
:root {
  --bg: #f5f6f8; --card: #fff; --line: #e2e5ea; --ink: #1d2330; --muted: #626b7a;
  --origin: #0f766e; --origin-soft: #ccfbf1; --copy: #1d4ed8; --copy-soft: #dbeafe;
  --span: #fff1b8; --ins: #bbf7d0; --ins-ink: #14532d; --ins-line: #16a34a;
  --del: #fecaca; --del-ink: #7f1d1d; --chg: #e0e7ff; --chg-ink: #312e81; --chg-line: #6366f1;
  --bar-original: #14b8a6; --bar-reused: #f59e0b; --bar-boilerplate: #b6bfcc;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  --serif: Charter, "Bitstream Charter", Georgia, Cambria, "Liberation Serif", "DejaVu Serif", serif;
  --mono: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { scroll-padding-top: 4.5rem; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 var(--sans); }
[hidden] { display: none !important; }
a { color: var(--copy); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: var(--mono); font-size: 0.86em; }
.wrap { max-width: 1280px; margin: 0 auto; padding: 0 1.5rem; }
.top { background: #111827; color: #f9fafb; padding: 1.4rem 0 1.2rem; }
.top h1 { margin: 0; font-size: 1.5rem; letter-spacing: -0.01em; }
.top .lede { margin: 0.2rem 0 1rem; color: #cbd5e1; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr)); gap: 0.6rem; }
.stat { background: #1f2937; border-radius: 8px; padding: 0.5rem 0.75rem; }
.stat b { display: block; font-size: 1.35rem; line-height: 1.2; }
.stat span { color: #9ca3af; font-size: 0.8rem; }
.toolbar { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,0.96); border-bottom: 1px solid var(--line);
  box-shadow: 0 1px 4px rgba(15,23,42,0.06); }
.toolbar .wrap { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; padding-top: 0.55rem; padding-bottom: 0.55rem; }
#filter { flex: 1 1 18rem; max-width: 30rem; font: inherit; padding: 0.4rem 0.7rem; border: 1px solid #c9ced6; border-radius: 6px; }
#filter:focus { outline: 2px solid var(--copy); outline-offset: 1px; }
.kinds { display: flex; gap: 0.4rem; }
.kinds label { cursor: pointer; user-select: none; }
.kinds input { position: absolute; opacity: 0; }
.kinds input:focus-visible + .kind { outline: 2px solid var(--copy); }
.kinds input:not(:checked) + .kind { opacity: 0.35; text-decoration: line-through; }
#count { color: var(--muted); font-size: 0.9rem; }
.jump { margin-left: auto; display: flex; gap: 0.9rem; font-size: 0.9rem; }
main { padding: 1rem 0 3rem; }
section.block { margin-top: 1.6rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.6rem; }
.hint { color: var(--muted); font-size: 0.88rem; margin: -0.3rem 0 0.7rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; box-shadow: 0 1px 2px rgba(15,23,42,0.04); }
.graph { padding: 0.6rem 0.8rem 0.3rem; overflow-x: auto; }
.graph svg { display: block; width: 100%; height: auto; min-width: 640px; font-family: var(--sans); }
.graph .lane-label { font-size: 12px; font-weight: 600; fill: #374151; }
.graph .axis text { font-size: 11px; fill: var(--muted); }
.graph .axis line { stroke: #e5e7eb; }
.graph .node-label { font-size: 11px; fill: #374151; }
.graph .edge path { fill: none; stroke: #64748b; stroke-opacity: 0.75; }
.graph .edge text { font-size: 11px; fill: #475569; font-weight: 600; }
.graph .edge.faded { opacity: 0.15; }
.graph svg.dense .edge path { stroke-opacity: 0.35; }
.graph a:hover circle { stroke-width: 3; }
table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.45rem 0.7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f8fafc; font-weight: 600; white-space: nowrap; }
th button { all: unset; cursor: pointer; }
th button::after { content: " \\2195"; color: #b0b7c3; font-size: 0.8em; }
th[aria-sort="ascending"] button::after { content: " \\2191"; color: var(--ink); }
th[aria-sort="descending"] button::after { content: " \\2193"; color: var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: #f8fafc; }
tbody tr:last-child td { border-bottom: 0; }
.table-card { overflow-x: auto; }
.doc-cell .t { display: block; font-weight: 600; max-width: 17rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#article-table .doc-cell .t { white-space: normal; max-width: none; }
.opening { font-family: var(--serif); min-width: 16rem; }
.opening a { color: var(--ink); }
.doc-cell code { color: var(--muted); }
.kind { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.78rem; font-weight: 600; white-space: nowrap; }
.kind-verbatim { background: #dcfce7; color: #166534; }
.kind-near-duplicate { background: #f3e8ff; color: #6b21a8; }
.kind-contained { background: #e0f2fe; color: #075985; }
.warn { color: #b45309; font-size: 0.8rem; font-weight: 600; }
.origin-card { margin-top: 1rem; overflow: hidden; }
.doc-head { padding: 0.9rem 1.1rem; border-bottom: 1px solid var(--line); }
.origin-card > .doc-head { border-left: 5px solid var(--origin); }
.role { font-size: 0.72rem; font-weight: 700; letter-spacing: 0.06em; text-transform: uppercase; }
.role.origin { color: var(--origin); }
.role.copy { color: var(--copy); }
.doc-head h3, .doc-head h4 { margin: 0.1rem 0 0.2rem; line-height: 1.3; }
.doc-head h3 { font-size: 1.2rem; }
.doc-head h4 { font-size: 1.02rem; }
.meta { margin: 0; color: var(--muted); font-size: 0.86rem; }
.meta .outlet { font-weight: 600; color: var(--ink); }
.meta .sep { margin: 0 0.35rem; color: #c0c6cf; }
.copy-block { border-top: 1px solid var(--line); }
.copy-block > .doc-head { background: #fafbfc; border-left: 5px solid var(--copy); }
.pair { padding: 0.8rem 1.1rem 1rem; border-top: 1px dashed var(--line); }
.copy-block > .doc-head + .pair { border-top: 0; }
.pair:target { background: #fffbeb; }
.pair-head { display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; align-items: baseline; margin-bottom: 0.5rem; font-size: 0.86rem; color: var(--muted); }
.pair-head .sim { font-weight: 700; color: var(--ink); }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.col { min-width: 0; }
.col-label { font-size: 0.74rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; margin-bottom: 0.25rem; }
.col-label.origin { color: var(--origin); }
.col-label.copy { color: var(--copy); }
.col-label span { font-weight: 400; text-transform: none; letter-spacing: 0; color: var(--muted); }
.passage { margin: 0; font: 15.5px/1.6 var(--serif); color: #6b7280; white-space: pre-wrap; overflow-wrap: anywhere;
  background: #fcfcfd; border: 1px solid #eef0f3; border-radius: 6px; padding: 0.6rem 0.75rem; }
mark.span { background: var(--span); color: var(--ink); padding: 0.1em 0; border-radius: 2px; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
ins.ed, del.ed, span.ed { border-radius: 2px; padding: 0.05em 0.1em; }
ins.ed { background: var(--ins); color: var(--ins-ink); text-decoration: none; box-shadow: inset 0 -2px 0 var(--ins-line); }
del.ed { background: var(--del); color: var(--del-ink); text-decoration: line-through; text-decoration-thickness: 1.5px; }
span.ed { background: var(--chg); color: var(--chg-ink); box-shadow: inset 0 -2px 0 var(--chg-line); }
.legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1.1rem; font-size: 0.85rem; color: var(--muted); margin: 0 0 0.2rem; }
.legend .passage-sample { font-family: var(--serif); }
.bar { display: flex; height: 10px; width: 100%; min-width: 120px; border-radius: 999px; overflow: hidden; background: var(--bar-boilerplate); }
.bar span { display: block; height: 100%; }
.bar .b-original { background: var(--bar-original); }
.bar .b-reused { background: var(--bar-reused); }
.bar .b-boilerplate { background: var(--bar-boilerplate); }
.bar-cell { min-width: 260px; }
.nowrap { white-space: nowrap; }
.swatch.dot { border-radius: 50%; }
.bar-cell small { display: block; color: var(--muted); margin-top: 0.2rem; }
.bar-line { display: flex; align-items: center; gap: 0.7rem; margin-top: 0.45rem; font-size: 0.8rem; color: var(--muted); }
.bar-line .bar { max-width: 320px; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; vertical-align: -0.05em; margin-right: 0.3em; }
.empty { padding: 1.2rem; color: var(--muted); }
details.boilerplate summary, details.flows summary { cursor: pointer; padding: 0.7rem 1rem; }
details.flows { margin-top: 0.6rem; }
details.flows table { border-top: 1px solid var(--line); }
details.boilerplate ul { margin: 0; padding: 0 1rem 0.8rem 2.2rem; }
details.boilerplate li { margin: 0.3rem 0; }
details.boilerplate q { font-family: var(--serif); }
footer { color: var(--muted); font-size: 0.82rem; padding: 1rem 0 2rem; border-top: 1px solid var(--line); }
@media (max-width: 820px) { .cols { grid-template-columns: 1fr; } .jump { margin-left: 0; flex-wrap: wrap; gap: 0.2rem 0.9rem; } }
/* Phones: the meta line and dates wrap between their parts instead of being clipped. */
.meta { overflow-wrap: anywhere; }
.meta .outlet, .meta time, .col-label span, .pair-head > span { white-space: nowrap; }
.meta .sep { display: inline-block; }
.pair-head .mono { white-space: normal; overflow-wrap: anywhere; }
@media (max-width: 600px) {
  .wrap { padding: 0 0.8rem; }
  .doc-head, .pair { padding-left: 0.8rem; padding-right: 0.8rem; }
  .bar-line { flex-wrap: wrap; }
  .stats { grid-template-columns: repeat(auto-fit, minmax(96px, 1fr)); }
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f141b; --card: #161c25; --line: #273140; --ink: #e5e9f0; --muted: #9aa4b2;
    --span: #4a3f12; --ins: #14532d; --ins-ink: #dcfce7; --del: #5f1d1d; --del-ink: #fee2e2; --chg: #312e81; --chg-ink: #e0e7ff; }
  .toolbar { background: rgba(22,28,37,0.96); }
  #filter { background: #0f141b; color: var(--ink); border-color: #334155; }
  th, .copy-block > .doc-head { background: #1b2330; }
  tbody tr:hover { background: #1b2330; }
  .passage { background: #121821; border-color: #222b38; color: #8b95a5; }
  .graph .lane-label, .graph .node-label { fill: #cbd5e1; }
  .pair:target { background: #2a2410; }
}
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .toolbar, .jump, th button::after { display: none !important; }
  .top { background: #fff; color: #000; padding: 0 0 0.6rem; border-bottom: 2px solid #000; }
  .top .lede, .stat span { color: #333; }
  .stat { background: #f3f4f6; }
  .wrap { max-width: none; padding: 0; }
  .card { box-shadow: none; break-inside: auto; }
  .pair, .doc-head, tr, .graph { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  .cols { grid-template-columns: 1fr 1fr; }
  .passage { font-size: 10pt; }
  .table-card { overflow: visible; }
  table { font-size: 9pt; }
  .doc-cell .t { white-space: normal; max-width: none; }
  .opening, .bar-cell { min-width: 0; }
  .graph svg { min-width: 0; }
  th, td { padding: 0.3rem 0.4rem; }
  a { color: inherit; }
}
"""

JS = """
(function () {
  "use strict";
  var each = function (selector, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn); };
  var box = document.getElementById("filter");
  var count = document.getElementById("count");
  var groups = {};
  each("[data-reuse]", function (el) {
    var id = el.getAttribute("data-reuse");
    (groups[id] = groups[id] || []).push(el);
  });
  var haystack = {};
  Object.keys(groups).forEach(function (id) {
    haystack[id] = groups[id].map(function (el) { return el.textContent; }).join(" ").toLowerCase();
  });
  function apply() {
    var words = box ? box.value.toLowerCase().split(/\\s+/).filter(Boolean) : [];
    var kinds = {};
    each("[data-kind-toggle]", function (t) { kinds[t.value] = t.checked; });
    var shown = 0, total = 0, visible = {};
    Object.keys(groups).forEach(function (id) {
      var kind = groups[id][0].getAttribute("data-kind");
      var ok = kinds[kind] !== false && words.every(function (w) { return haystack[id].indexOf(w) >= 0; });
      groups[id].forEach(function (el) { el.hidden = !ok; });
      visible[id] = ok;
      total += 1;
      if (ok) { shown += 1; }
    });
    each("[data-group]", function (g) { g.hidden = !g.querySelector("[data-reuse]:not([hidden])"); });
    each("[data-edge]", function (e) {
      var ids = e.getAttribute("data-edge").split(" ");
      e.classList.toggle("faded", !ids.some(function (id) { return visible[id]; }));
    });
    each("[data-article]", function (row) {
      var text = row.textContent.toLowerCase();
      row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    each("[data-empty]", function (el) { el.hidden = shown > 0 || total === 0; });
    if (count) { count.textContent = shown + " of " + total + " reuses shown"; }
  }
  if (box) {
    box.addEventListener("input", apply);
    document.addEventListener("keydown", function (event) {
      if (event.key === "/" && document.activeElement !== box) { event.preventDefault(); box.focus(); }
      if (event.key === "Escape" && document.activeElement === box) { box.value = ""; apply(); }
    });
  }
  each("[data-kind-toggle]", function (t) { t.addEventListener("change", apply); });
  window.addEventListener("beforeprint", function () { each("details", function (d) { d.open = true; }); });

  function sortKey(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (!numeric) { return value.toLowerCase(); }
    var number = parseFloat(value);
    return isNaN(number) ? -Infinity : number;
  }
  each("table.sortable th[data-sort] button", function (button) {
    button.addEventListener("click", function () {
      var th = button.parentNode, table = th.closest("table"), body = table.tBodies[0];
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      each("th[aria-sort]", function (h) { h.removeAttribute("aria-sort"); }, table);
      th.setAttribute("aria-sort", direction);
      var numeric = th.getAttribute("data-sort") === "number";
      var sign = direction === "ascending" ? 1 : -1;
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = sortKey(a, index, numeric), y = sortKey(b, index, numeric);
        if (x < y) { return -sign; }
        if (x > y) { return sign; }
        return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
})();
"""


def script_hash(script: str = JS) -> str:
    """The CSP source (``'sha256-…'``) that allows exactly this inline script and no other."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
