"""One entry point for every report format, so the CLI stays a thin layer.

:func:`render_report` reads the report model once (:func:`~provenance.report.model.build_report`),
applies the :class:`ReuseFilter`, and hands it to the renderer of the format asked for
(its modules imported only then), with the articles' texts read lazily from the index
(:class:`IndexTexts`) so only the articles a rendering shows are decompressed.
:func:`write_site` writes the HTML report as a folder of small pages and
:func:`write_parquet` the Parquet export; :func:`open_in_browser` writes an HTML report
to a file and opens it.

    from provenance import Index
    from provenance.report.render import ReuseFilter, render_report

    with Index.open("provenance.sqlite", readonly=True) as index:
        html = render_report(index, "html", ReuseFilter(origin="cnn/*"))
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import click

from provenance.errors import InputError
from provenance.report.model import build_report, to_json
from provenance.report.select import TOP_ROWS, ReuseFilter, select_reuses
from provenance.store import queries
from provenance.store.index import Index

if TYPE_CHECKING:
    from provenance.report.site import SiteSummary

__all__ = [
    "FORMATS",
    "SINGLE_PAGE_LIMIT",
    "TOP_ROWS",
    "HtmlWritten",
    "IndexTexts",
    "RenderOptions",
    "ReportTooLarge",
    "ReuseFilter",
    "open_file",
    "open_in_browser",
    "page_text",
    "render_report",
    "selected_report",
    "write_html",
    "write_parquet",
    "write_site",
]

Renderer = Callable[[dict[str, Any], Mapping[str, str], bool, "RenderOptions"], str]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Per-call options of the renderers: ``top`` and ``rows`` (text), ``include_text`` (CSV)."""

    top: int | None = None
    rows: int = TOP_ROWS
    include_text: bool = False


# Each format's renderer imports its modules when that format is asked for: rich for the
# text view, polars for CSV, the HTML modules for HTML; a command never pays for the others.


def _text(report: dict[str, Any], texts: Mapping[str, str], terminal: bool, options: RenderOptions) -> str:
    from provenance.report.text import render_text

    return render_text(report, texts, terminal=terminal, top=options.top, rows=options.rows)


def _markdown(report: dict[str, Any], texts: Mapping[str, str], terminal: bool, options: RenderOptions) -> str:
    from provenance.report.markdown import render_markdown

    return render_markdown(report, texts)


def _csv(report: dict[str, Any], texts: Mapping[str, str], terminal: bool, options: RenderOptions) -> str:
    from provenance.report.csv_report import render_csv

    return render_csv(report, texts if options.include_text else None)


def _html(report: dict[str, Any], texts: Mapping[str, str], terminal: bool, options: RenderOptions) -> str:
    from provenance.report.html import render_html

    return render_html(report, texts)


_RENDERERS: dict[str, Renderer] = {
    "text": _text,
    "json": lambda report, texts, terminal, options: to_json(report),
    "markdown": _markdown,
    "csv": _csv,
    "html": _html,
}
FORMATS: tuple[str, ...] = (*_RENDERERS, "parquet")
SINGLE_PAGE_LIMIT = 5_000_000  # bytes: a bigger report is refused as one page and written as a site
# Each reuse takes well over this many bytes of the page (two passages in their markup and a
# row of the reuse table), each article a row of the article table: a report whose floor is
# already over the limit is refused without spending seconds rendering it.
_MIN_BYTES_PER_REUSE = 1_500
_MIN_BYTES_PER_DOCUMENT = 300


class ReportTooLarge(InputError):
    """The report is too big for one HTML page; write it as a site (``-o DIR/``)."""


class IndexTexts(Mapping[str, str]):
    """Decoded article texts by display path, read from the index on first use.

    Keeps the ``cache_size`` most recently used texts, so a rendering that walks the
    report origin by origin holds a few articles in memory, not the whole index.
    """

    def __init__(self, index: Index, cache_size: int = 256) -> None:
        self._index = index
        self._ids = queries.document_ids_by_path(index.connection)
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size

    def __getitem__(self, path: str) -> str:
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        text = self._index.document_text(self._ids[path])
        self._cache[path] = text
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return text

    def __contains__(self, path: object) -> bool:
        return path in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def selected_report(index: Index, reuse_filter: ReuseFilter | None = None, include_text: bool = False) -> dict[str, Any]:
    """The report model of ``index`` with only the reuses ``reuse_filter`` lets through."""
    # Renderers read the report as plain data: the typed records are the JSON objects.
    report = cast(dict[str, Any], build_report(index, include_text=include_text))
    return select_reuses(report, reuse_filter or ReuseFilter())


def render_report(
    index: Index,
    fmt: str = "text",
    reuse_filter: ReuseFilter | None = None,
    *,
    include_text: bool = False,
    terminal: bool = False,
    top: int | None = None,
    rows: int = TOP_ROWS,
    single_page_limit: int | None = None,
) -> str:
    """The report of ``index`` in ``fmt`` (one of :data:`FORMATS` but ``parquet``).

    ``include_text`` adds the reused text to the JSON spans and the CSV rows; ``terminal``
    tells the text view it writes to a terminal (colour, wrapped to its width); ``top``
    shows only the most reused origin articles in full in the text view, ``rows`` rows
    in its rankings. An HTML page
    over ``single_page_limit`` bytes raises :class:`ReportTooLarge`.
    """
    if fmt == "parquet":
        raise ValueError("parquet is binary: use write_parquet(index, target)")
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    limit = SINGLE_PAGE_LIMIT if single_page_limit is None else single_page_limit
    report = selected_report(index, reuse_filter, include_text=include_text and fmt == "json")
    floor = len(report["reuses"]) * _MIN_BYTES_PER_REUSE + len(report["documents"]) * _MIN_BYTES_PER_DOCUMENT
    if fmt == "html" and floor > limit:
        raise _too_large(f"{len(report['reuses'])} reuses of {len(report['documents'])} articles", limit)
    rendered = _RENDERERS[fmt](report, IndexTexts(index), terminal, RenderOptions(top, rows, include_text))
    if fmt == "html" and len(rendered.encode("utf-8")) > limit:
        raise _too_large(f"{len(rendered.encode('utf-8')) / 1e6:.1f} MB", limit)
    return rendered


def _too_large(what: str, limit: int) -> ReportTooLarge:
    return ReportTooLarge(
        f"the HTML report ({what}) is too big for one page (limit {limit / 1e6:g} MB): "
        "write it as a site of small pages with -o DIR/ (a folder), or narrow it with --limit, --outlet, --since or --kind"
    )


def write_site(index: Index, directory: Path, reuse_filter: ReuseFilter | None = None) -> SiteSummary:
    """Write the HTML report of ``index`` as a static site in ``directory`` (see :mod:`~provenance.report.site`)."""
    from provenance.report import site  # the HTML modules: only when a site is written

    return site.write_site(selected_report(index, reuse_filter), IndexTexts(index), directory)


@dataclass(frozen=True, slots=True)
class HtmlWritten:
    """Where :func:`write_html` put the report: one page, or a site (``site`` says what it holds)."""

    path: Path
    site: SiteSummary | None = None

    def describe(self) -> str:
        if self.site is None:
            return f"Report written to {self.path}"
        return (f"Report site written to {self.path} ({self.site.pages} pages, {self.site.total_bytes / 1e6:.1f} MB; "
                f"largest {self.site.largest_page}, {self.site.largest_bytes / 1e6:.2f} MB)")


def write_html(index: Index, target: Path | None, reuse_filter: ReuseFilter | None = None, *, site: bool = False) -> HtmlWritten:
    """Write the HTML report: a site in the folder ``target`` when ``site``; else one page
    to ``target``, or (``target`` is ``None``) to a temporary file, or to a temporary
    site when the report is too big for one page."""
    if site and target is not None:
        summary = write_site(index, target, reuse_filter)
        return HtmlWritten(summary.index, summary)
    try:
        page = render_report(index, "html", reuse_filter)
    except ReportTooLarge:
        if target is not None:
            raise
        summary = write_site(index, Path(tempfile.mkdtemp(prefix="provenance-report-")), reuse_filter)
        return HtmlWritten(summary.index, summary)
    path, _ = _write_page(page, target)
    return HtmlWritten(path)


def page_text(text: str) -> None:
    """Show ``text`` on the terminal, through the pager (``$PAGER``, else ``less``) when it
    is longer than the screen."""
    if text.count("\n") < shutil.get_terminal_size((80, 24)).lines - 1:
        click.echo(text, nl=False)
    else:
        click.echo_via_pager(text)


def write_parquet(index: Index, target: Path | IO[bytes] | None = None, reuse_filter: ReuseFilter | None = None) -> None:
    """Write one row per reuse, with both texts, as Parquet to ``target`` (stdout when ``None``)."""
    report = selected_report(index, reuse_filter)
    destination: Path | IO[bytes] = sys.stdout.buffer if target is None else target
    from provenance.report import csv_report  # polars: only when Parquet is written

    try:
        csv_report.write_parquet(report, IndexTexts(index), destination)
    except OSError as exc:
        raise InputError(f"cannot write the Parquet report to {target or 'stdout'}: {exc.strerror or exc}") from exc


def open_in_browser(html: str, path: Path | None = None) -> tuple[Path, bool]:
    """Write ``html`` to ``path`` (a new temporary file when ``None``) and open it in the
    default browser; returns the file and whether a browser was started."""
    written, _ = _write_page(html, path)
    return written, open_file(written)


def _write_page(html: str, path: Path | None) -> tuple[Path, None]:
    try:
        if path is None:
            with tempfile.NamedTemporaryFile("w", prefix="provenance-report-", suffix=".html", delete=False,
                                             encoding="utf-8") as handle:
                handle.write(html)
                path = Path(handle.name)
        else:
            path.write_text(html, encoding="utf-8")
    except OSError as exc:
        where = path or tempfile.gettempdir()
        raise InputError(f"cannot write the HTML report to {where}: {exc.strerror or exc}; pass -o FILE somewhere writable") from exc
    return path, None


def open_file(path: Path) -> bool:
    """Open a written report (a page, or a site's ``index.html``) in the default browser."""
    import webbrowser  # and subprocess with it: only for --open

    return bool(webbrowser.open(path.resolve().as_uri()))
