"""Feed files as polars reads them: JSON Lines, CSV and Parquet to rows of field values.

Apart from :mod:`provenance.ingest.feeds` so that what every command imports from there
(:class:`~provenance.ingest.feeds.FeedFields`, ``is_feed``) does not load polars (a few
hundred milliseconds); :func:`~provenance.ingest.feeds.load_feed` imports this module
when it reads a feed. A row is ``(record number, first line, field values)``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from provenance.errors import InputError

__all__ = ["Row", "csv_rows", "jsonl_rows", "parquet_rows"]

Row = tuple[int, int | None, dict[str, Any]]  # (record number, first line, field values)


def jsonl_rows(text: str, columns: tuple[str, ...]) -> tuple[list[Row], list[tuple[int, str]]]:
    """The rows of JSON Lines ``text`` (``columns`` read as strings) and the bad lines' problems."""
    numbered = [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    schema = {name: pl.String for name in columns}
    problems: list[tuple[int, str]] = []
    values = _read_ndjson([line for _, line in numbered], schema)
    if values is None:
        # Some line is bad: find it with the json module, then let polars read the rest;
        # a line both accept but polars still rejects is read (and judged) on its own.
        good = []
        for n, line in numbered:
            problem = _json_problem(line)
            if problem:
                problems.append((n, problem))
            else:
                good.append((n, line))
        numbered = good
        values = _read_ndjson([line for _, line in numbered], schema)
        if values is None:
            values, kept = [], []
            for n, line in numbered:
                single = _read_ndjson([line], schema)
                if single is None:
                    problems.append((n, "invalid JSON (rejected by the JSON Lines reader)"))
                else:
                    values.extend(single)
                    kept.append((n, line))
            numbered = kept
    return [(n, n, row) for (n, _), row in zip(numbered, values, strict=True)], problems


def _read_ndjson(lines: list[str], schema: dict[str, Any]) -> list[dict[str, Any]] | None:
    if not lines:
        return []
    try:
        frame = pl.read_ndjson(io.BytesIO("\n".join(lines).encode("utf-8", "surrogatepass")), schema=schema)
    except (pl.exceptions.PolarsError, ValueError, UnicodeError):
        return None
    if frame.height != len(lines):  # e.g. two objects on one line: judge line by line
        return None
    return frame.to_dicts()


def _json_problem(line: str) -> str | None:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        # Some of json's messages already end in "at" ("Unterminated string starting at").
        return f"invalid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"
    except ValueError as exc:
        return f"invalid JSON ({exc})"
    if not isinstance(value, dict):
        return f"not a JSON object (a JSON {type(value).__name__})"
    return None


def csv_rows(text: str, columns: tuple[str, ...], text_fields: tuple[str, ...]) -> tuple[list[Row], list[tuple[int, str]]]:
    """The rows of CSV ``text`` (blank lines are no record); :class:`InputError` without a text column."""
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8", "surrogatepass")), infer_schema=False, truncate_ragged_lines=True)
    except pl.exceptions.NoDataError as exc:
        raise InputError("empty CSV file") from exc
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"not valid CSV ({_first_line(exc)})") from exc
    _require_text_column(frame.columns, text_fields)
    present = [name for name in columns if name in frame.columns]
    blank = frame.select(~pl.any_horizontal(pl.all().is_not_null())).to_series().to_list() if frame.width else []
    rows = frame.select(present).to_dicts()
    # polars reads a blank line as a row of nulls; it is no record, so no warning either
    return [(n, None, row) for n, row in enumerate(rows, start=1) if not blank[n - 1]], []


def parquet_rows(path: Path, columns: tuple[str, ...], text_fields: tuple[str, ...]) -> list[Row]:
    """The rows of a Parquet file (only ``columns`` are read); :class:`InputError` without a text column."""
    try:
        present = list(pl.read_parquet_schema(path))
        _require_text_column(present, text_fields)
        frame = pl.read_parquet(path, columns=[name for name in columns if name in present])
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"not a readable Parquet file ({_first_line(exc)})") from exc
    return [(n, None, row) for n, row in enumerate(frame.to_dicts(), start=1)]


def _require_text_column(columns: Iterable[str], text_fields: tuple[str, ...]) -> None:
    columns = list(columns)
    if not set(columns) & set(text_fields):
        raise InputError(
            f"no text column (looked for {', '.join(text_fields)}; the file has {', '.join(columns[:12]) or 'none'}); "
            "name it with --text-field"
        )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
