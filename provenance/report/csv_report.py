"""The CSV and Parquet reports: one row per reuse, for spreadsheets and data tools.

Written with polars so quoting, nulls and floats follow one well-tested writer. Rows
come in display order (see :mod:`provenance.report.select`); an undated article has an
empty ``published`` and ``lag`` cell. ``lag`` reads ``1 day 2 h`` without the ``+`` of
the other formats (spreadsheets would take a leading ``+`` for a formula); ``lag_seconds``
is the number. Offsets are Python ``str`` offsets into each document's decoded text, as
in the JSON report. With texts (``--include-text`` for CSV, always for Parquet) two more
columns hold the reused text of each side, sliced from the documents one at a time.

Parquet has the same columns, typed: ``origin_published``/``copy_published`` are UTC
timestamps (microseconds) instead of ISO strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import polars as pl

from provenance.report.select import display_order, format_lag, outlet

__all__ = ["CSV_COLUMNS", "TEXT_COLUMNS", "render_csv", "reuse_frame", "write_parquet"]

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
    "origin_title": pl.String,
    "copy_title": pl.String,
}
TEXT_COLUMNS: dict[str, type[pl.DataType]] = {"origin_text": pl.String, "copy_text": pl.String}


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
        "origin_title": origin_doc.get("title"),
        "copy_title": copy_doc.get("title"),
    }


def _span_text(texts: Mapping[str, str], span: dict[str, Any]) -> str | None:
    text = texts.get(span["path"])
    return None if text is None else text[span["start"] : span["end"]]


def reuse_frame(report: dict[str, Any], texts: Mapping[str, str] | None = None) -> pl.DataFrame:
    """One row per reuse of ``report`` in display order; with ``texts`` (path -> decoded
    text) also ``origin_text`` and ``copy_text``."""
    documents = {d["path"]: d for d in report["documents"]}
    schema = dict(CSV_COLUMNS) | (TEXT_COLUMNS if texts is not None else {})
    rows = []
    for reuse in display_order(report):
        row = _row(reuse, documents)
        if texts is not None:
            row["origin_text"] = _span_text(texts, reuse["origin"])
            row["copy_text"] = _span_text(texts, reuse["copy"])
        rows.append(row)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def render_csv(report: dict[str, Any], texts: Mapping[str, str] | None = None) -> str:
    """The reuses of ``report`` as CSV text (header row included, ``\\n`` line ends);
    ``texts`` adds the reused text of both sides."""
    return reuse_frame(report, texts).write_csv()


def write_parquet(report: dict[str, Any], texts: Mapping[str, str], target: Path | IO[bytes]) -> None:
    """The reuses of ``report`` with their texts as a Parquet file (zstd-compressed)."""
    frame = reuse_frame(report, texts)
    frame = frame.with_columns(
        pl.Series(name, [None if value is None else datetime.fromisoformat(value) for value in frame[name]],
                  dtype=pl.Datetime("us", "UTC"))
        for name in ("origin_published", "copy_published")
    )
    frame.write_parquet(target, compression="zstd", statistics=True)
