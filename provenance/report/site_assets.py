"""Script and styles of the site's listing of origin articles (``index.html``).

The listing's rows travel inside the page as a JSON data block (``<script
type="application/json">``, which browsers never run as script, so the Content-Security-Policy
still lets exactly one script run: this one, by hash). The script searches them (every
word must appear in the title, outlet, path or kinds), sorts them by a clicked column
and shows :data:`ROWS_PER_VIEW` at a time with previous/next buttons. It builds rows
with ``textContent`` only, so article text can never become markup. Without JavaScript
the first rows are in the page as plain HTML.

Row layout (by position): href, title, outlet, published (shown), published (ISO, for
sorting), copying articles, passages, copying outlets, first copy after (shown), first
copy after (seconds), kinds, path, rank.
"""

from __future__ import annotations

__all__ = ["LISTING_CSS", "LISTING_JS", "ROWS_PER_VIEW"]

ROWS_PER_VIEW = 50

LISTING_CSS = """
.listing-bar { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin: 0 0 0.6rem; }
#search { flex: 1 1 18rem; max-width: 30rem; font: inherit; padding: 0.4rem 0.7rem; border: 1px solid #c9ced6; border-radius: 6px; }
#search:focus { outline: 2px solid var(--copy); outline-offset: 1px; }
.pager { display: flex; gap: 0.5rem; align-items: center; }
.pager button { font: inherit; padding: 0.25rem 0.7rem; border: 1px solid #c9ced6; border-radius: 6px; background: var(--card);
  color: var(--ink); cursor: pointer; }
.pager button:disabled { opacity: 0.4; cursor: default; }
#origin-table .doc-cell { min-width: 18rem; }
#origin-table .doc-cell .t { white-space: normal; max-width: 36rem; }
#origin-table .doc-cell small { display: block; color: var(--muted); }
#origin-table td .kind { margin: 0 0.2rem 0.2rem 0; }
@media (prefers-color-scheme: dark) { #search { background: #0f141b; color: var(--ink); border-color: #334155; } }
"""

LISTING_JS = """
(function () {
  "use strict";
  var source = document.getElementById("origin-data");
  var table = document.getElementById("origin-table");
  if (!source || !table) { return; }
  var rows = JSON.parse(source.textContent);
  var body = table.tBodies[0];
  var box = document.getElementById("search");
  var count = document.getElementById("origin-count");
  var prev = document.getElementById("prev-page");
  var next = document.getElementById("next-page");
  var per = @PER@, page = 0, shown = rows;
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function row(r) {
    var tr = document.createElement("tr");
    cell(tr, String(r[12]), "num");
    var td = document.createElement("td");
    td.className = "doc-cell";
    var link = document.createElement("a");
    link.href = r[0];
    link.className = "t";
    link.textContent = r[1];
    var where = document.createElement("small");
    where.textContent = (r[2] ? r[2] + " \u00b7 " : "") + r[11];
    td.appendChild(link);
    td.appendChild(where);
    tr.appendChild(td);
    cell(tr, r[3], "nowrap");
    cell(tr, String(r[5]), "num");
    cell(tr, String(r[6]), "num");
    cell(tr, String(r[7]), "num");
    cell(tr, r[8], "num nowrap");
    var kinds = cell(tr, "");
    r[10].split(", ").filter(Boolean).forEach(function (kind) {
      var badge = document.createElement("span");
      badge.className = "kind kind-" + kind;
      badge.textContent = kind;
      kinds.appendChild(badge);
    });
    return tr;
  }
  function render() {
    var pages = Math.max(1, Math.ceil(shown.length / per));
    if (page >= pages) { page = pages - 1; }
    body.textContent = "";
    shown.slice(page * per, page * per + per).forEach(function (r) { body.appendChild(row(r)); });
    count.textContent = shown.length + " of " + rows.length + " origin articles" +
      (pages > 1 ? " \\u00b7 page " + (page + 1) + " of " + pages : "");
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  function search() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    shown = rows.filter(function (r) {
      var hay = (r[1] + " " + r[2] + " " + r[11] + " " + r[10]).toLowerCase();
      return words.every(function (w) { return hay.indexOf(w) >= 0; });
    });
    page = 0;
    render();
  }
  box.addEventListener("input", search);
  prev.addEventListener("click", function () { page -= 1; render(); });
  next.addEventListener("click", function () { page += 1; render(); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== box) { event.preventDefault(); box.focus(); }
    if (event.key === "Escape" && document.activeElement === box) { box.value = ""; search(); }
  });
  Array.prototype.forEach.call(table.querySelectorAll("th[data-key] button"), function (button) {
    button.addEventListener("click", function () {
      var th = button.parentNode, key = Number(th.getAttribute("data-key"));
      var numeric = th.getAttribute("data-sort") === "number";
      var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction);
      var sign = direction === "ascending" ? 1 : -1;
      var value = function (r) {
        var v = r[key];
        if (numeric) { return v === null || v === "" ? -Infinity : Number(v); }
        return v === "" ? "\\uffff" : String(v).toLowerCase();
      };
      var sorted = rows.slice().sort(function (a, b) {
        var x = value(a), y = value(b);
        if (x < y) { return -sign; }
        if (x > y) { return sign; }
        return a[12] - b[12];
      });
      rows = sorted;
      search();
    });
  });
  render();
})();
""".replace("@PER@", str(ROWS_PER_VIEW))
