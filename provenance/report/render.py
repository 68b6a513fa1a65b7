"""One entry point for every report format, so the CLI stays a thin layer.

:func:`render_report` reads the report model once (:func:`~provenance.report.model.build_report`),
applies the ``--origin``/``--copy``/``--limit`` selection, fetches the texts of just the
articles it shows, and hands them to the renderer of the format asked for.
:func:`open_in_browser` writes an HTML report to a file and opens it.

    from provenance import Index
    from provenance.report.render import ReuseFilter, render_report

    with Index.open("provenance.sqlite", readonly=True) as index:
        html = render_report(index, "html", ReuseFilter(origin="cnn/*"))
"""

from __future__ import annotations

import tempfile
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provenance.errors import InputError
from provenance.report.csv_report import render_csv
from provenance.report.html import render_html
from provenance.report.markdown import render_markdown
from provenance.report.model import build_report, document_texts, to_json
from provenance.report.select import ReuseFilter, select_reuses
from provenance.report.text import render_text
from provenance.store.index import Index

__all__ = ["FORMATS", "ReuseFilter", "open_in_browser", "render_report"]

Renderer = Callable[[dict[str, Any], dict[str, str], bool], str]

# Each renderer takes (report, texts, terminal); the texts are fetched only when used.
_RENDERERS: dict[str, tuple[Renderer, bool]] = {
    "text": (lambda report, texts, terminal: render_text(report, texts, terminal=terminal), True),
    "json": (lambda report, texts, terminal: to_json(report), False),
    "markdown": (lambda report, texts, terminal: render_markdown(report, texts), True),
    "csv": (lambda report, texts, terminal: render_csv(report), False),
    "html": (lambda report, texts, terminal: render_html(report, texts), True),
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render_report(
    index: Index,
    fmt: str = "text",
    reuse_filter: ReuseFilter | None = None,
    *,
    include_text: bool = False,
    terminal: bool = False,
) -> str:
    """The report of ``index`` in ``fmt`` (one of :data:`FORMATS`).

    ``include_text`` adds the reused text to the JSON spans; ``terminal`` tells the text
    view it writes to a terminal (colour, wrapped to its width).
    """
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    renderer, needs_texts = _RENDERERS[fmt]
    report = select_reuses(build_report(index, include_text=include_text), reuse_filter or ReuseFilter())
    texts: dict[str, str] = {}
    if needs_texts:
        texts = document_texts(index, {r[side]["path"] for r in report["reuses"] for side in ("origin", "copy")})
    return renderer(report, texts, terminal)


def open_in_browser(html: str, path: Path | None = None) -> tuple[Path, bool]:
    """Write ``html`` to ``path`` (a new temporary file when ``None``) and open it in the
    default browser; returns the file and whether a browser was started."""
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
    opened = webbrowser.open(path.resolve().as_uri())
    return path, bool(opened)
