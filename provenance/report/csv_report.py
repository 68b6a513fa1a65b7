"""The CSV report: one row per reuse, for spreadsheets and data tools.

Written with polars so quoting, nulls and floats follow one well-tested writer. Rows
come in display order (see :mod:`provenance.report.select`); an undated article has an
empty ``published`` and ``lag`` cell. ``lag`` reads ``1 day 2 h`` without the ``+`` of
the other formats (spreadsheets would take a leading ``+`` for a formula); ``lag_seconds``
is the number. Offsets are Python ``str`` offsets into each document's decoded text, as
in the JSON report.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from provenance.report.select import display_order, outlet
from provenance.report.text import format_lag

__all__ = ["CSV_COLUMNS", "render_csv"]

CSV_COLUMNS: dict[str, type[pl.DataType]] = {
    "origin_path": pl.String,
    "origin_url": pl.String,
    "origin_outlet": pl.String,
    "origin_published": pl.String,
    "copy_path": pl.String,
    "copy_url": pl.String,
    "copy_outlet": pl.String,
    "copy_published": pl.String,
    "similarity": pl.Float64,
    "kind": pl.String,
    "origin_start": pl.Int64,
    "origin_end": pl.Int64,
    "copy_start": pl.Int64,
    "copy_end": pl.Int64,
    "lag": pl.String,
    "lag_seconds": pl.Int64,
    "origin_certain": pl.Boolean,
    "cluster": pl.Int64,
}


def _row(reuse: dict[str, Any], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    origin, copy = reuse["origin"], reuse["copy"]
    origin_doc = documents.get(origin["path"], {})
    copy_doc = documents.get(copy["path"], {})
    return {
        "origin_path": origin["path"],
        "origin_url": origin_doc.get("url"),
        "origin_outlet": outlet(origin_doc),
        "origin_published": origin.get("published"),
        "copy_path": copy["path"],
        "copy_url": copy_doc.get("url"),
        "copy_outlet": outlet(copy_doc),
        "copy_published": copy.get("published"),
        "similarity": reuse["similarity"],
        "kind": reuse["kind"],
        "origin_start": origin["start"],
        "origin_end": origin["end"],
        "copy_start": copy["start"],
        "copy_end": copy["end"],
        "lag": None if reuse.get("lag_seconds") is None else format_lag(reuse["lag_seconds"]).removeprefix("+"),
        "lag_seconds": reuse.get("lag_seconds"),
        "origin_certain": reuse["origin_certain"],
        "cluster": reuse["cluster"],
    }


def render_csv(report: dict[str, Any]) -> str:
    """The reuses of ``report`` as CSV text (header row included, ``\\n`` line ends)."""
    documents = {d["path"]: d for d in report["documents"]}
    rows = [_row(reuse, documents) for reuse in display_order(report)]
    frame = pl.DataFrame(rows, schema=CSV_COLUMNS, orient="row") if rows else pl.DataFrame(schema=CSV_COLUMNS)
    return frame.write_csv()
