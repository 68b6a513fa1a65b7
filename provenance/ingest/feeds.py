"""Feed files: JSON Lines, CSV and Parquet exports of scrapers, one article per record.

Each usable record becomes a :class:`~provenance.records.Document` whose display path is
``FILE#N`` (N is the 1-based line for JSON Lines, the 1-based data row for CSV and
Parquet) and whose text is the record's text field exactly as stored, so every offset
slices that field. Files are read with polars (:mod:`~provenance.ingest.feed_frames`, imported
when a feed is read); JSON Lines are read line by line only when polars rejects the file,
to find the bad lines. A record that cannot be used (bad
JSON, no text) is skipped with a reason naming its file and line, and the rest of the
file still loads.

>>> FeedFields().with_overrides(text="story").text
('story',)
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import xxhash

from provenance.errors import ConfigError, InputError
from provenance.ingest.dates import parse_instant, url_date
from provenance.ingest.load import (
    DEFAULT_MAX_FILE_SIZE,
    FEED_SUFFIXES,
    Skipped,
    Source,
    decode_bytes,
)
from provenance.records import Document, SourceRef

if TYPE_CHECKING:
    from provenance.ingest.feed_frames import Row

__all__ = ["FEED_ROLES", "FeedFields", "FeedLoad", "FeedRecord", "feed_format", "is_feed", "load_feed", "record_line_spans",
           "records_by_feed", "source_exists"]

T = TypeVar("T")

_JSONL = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


@dataclass(frozen=True, slots=True)
class FeedFields:
    """Which record fields hold what. Each role lists names tried in order; for every
    record the first one holding a non-empty value wins."""

    text: tuple[str, ...] = ("text", "content", "body")
    date: tuple[str, ...] = ("published", "date", "pubDate", "published_at")
    url: tuple[str, ...] = ("url", "link")
    title: tuple[str, ...] = ("title",)
    authors: tuple[str, ...] = ("authors", "author")
    id: tuple[str, ...] = ("id",)

    def with_overrides(self, **names: str | None) -> FeedFields:
        """A copy where each given role (``text="story"``) reads only that field."""
        known = {f.name for f in fields(self)}
        unknown = set(names) - known
        if unknown:
            raise ConfigError(f"unknown feed field role(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        return replace(self, **{role: (name,) for role, name in names.items() if name})

    @property
    def columns(self) -> tuple[str, ...]:
        """Every field name of every role, once, in a stable order."""
        seen: dict[str, None] = {}
        for role in fields(self):
            for name in getattr(self, role.name):
                seen.setdefault(name, None)
        return tuple(seen)


#: The roles a feed field can play, in the order options and settings list them: the one
#: list of them (``--text-field``..., ``text-field = ...`` in the config file).
FEED_ROLES: tuple[str, ...] = tuple(role.name for role in fields(FeedFields))


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """One loaded record: ``number`` is N in ``FILE#N``; ``line`` its first line in the file."""

    number: int
    line: int | None
    document: Document


@dataclass(slots=True)
class FeedLoad:
    """The records of one feed file and the ones skipped (with file, line and reason)."""

    records: list[FeedRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def feed_format(path: str | Path) -> str | None:
    """``"jsonl"``, ``"csv"`` or ``"parquet"`` by file name; ``None`` for anything else."""
    name = str(path).lower()
    if name.endswith(_JSONL):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    return None


def is_feed(path: str | Path) -> bool:
    """Whether ``path`` is read as a feed (one article per record) rather than one article."""
    return str(path).lower().endswith(FEED_SUFFIXES)


def records_by_feed(stored: Mapping[str, T]) -> dict[str, dict[int, T]]:
    """Stored feed records (source ``ABSFILE#N``) grouped by feed file, then by N."""
    grouped: dict[str, dict[int, T]] = {}
    for source, document in stored.items():
        ref = SourceRef.parse(source)
        if ref.record is not None:
            grouped.setdefault(ref.file, {})[ref.record] = document
    return grouped


def load_feed(
    source: Source, fields_: FeedFields = FeedFields(), default_tz: tzinfo = UTC, max_size: int = DEFAULT_MAX_FILE_SIZE
) -> FeedLoad:
    """Read one feed file into documents; :class:`InputError` when the file as a whole is
    unusable (unreadable, no text column, or not one usable record)."""
    # polars (a few hundred ms to import) loads only once a feed is read
    from provenance.ingest.feed_frames import csv_rows, jsonl_rows, parquet_rows

    path = Path(source.absolute)
    kind = feed_format(path)
    problems: list[tuple[int, str]] = []
    try:
        info = path.stat()
        if info.st_size > max_size:
            raise InputError(f"larger than --max-file-size ({info.st_size:,} > {max_size:,} bytes)")
        if kind == "parquet":
            rows, encoding = parquet_rows(path, fields_.columns, fields_.text), "utf-8"
        else:
            text, encoding = _read_text(path, max_size)
            rows, problems = (jsonl_rows(text, fields_.columns) if kind == "jsonl"
                              else csv_rows(text, fields_.columns, fields_.text))
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})") from exc
    loaded = FeedLoad()
    for bad_line, reason in problems:
        loaded.skipped.append(Skipped(f"{source.display}:{bad_line}", reason))
    no_text: list[int] = []
    for number, line, values in rows:
        document = _document(source, number, values, fields_, encoding, default_tz, info.st_mtime_ns, info.st_size)
        if document is None:
            no_text.append(number)
        else:
            loaded.records.append(FeedRecord(number, line, document))
    if not loaded.records:
        # Refused as a whole, so a wrong --text-field never makes stored records look deleted.
        if no_text:
            raise InputError(f"no record has a text field (looked for {', '.join(fields_.text)}); name it with --text-field")
        first = f"; first: line {problems[0][0]}: {problems[0][1]}" if problems else ""
        raise InputError(f"no usable record ({len(problems)} malformed{first})")
    if no_text:
        lines = _lines_of(path, kind, rows)
        for number in no_text:
            where = f"{source.display}:{lines[number]}" if lines.get(number) else f"{source.display}#{number}"
            loaded.skipped.append(Skipped(where, f"record has no text (looked for {', '.join(fields_.text)})"))
    loaded.skipped.sort(key=lambda item: _sort_key(item.path))
    return loaded


def record_line_spans(path: str | Path) -> dict[int, tuple[int, int]]:
    """``N -> (first line, last line)`` of each record of a feed file, for locations.

    JSON Lines: record N is line N. CSV: data row N may span lines (quoted newlines).
    Parquet has no lines: empty.
    """
    path = Path(path)
    kind = feed_format(path)
    if kind == "parquet":
        return {}
    text, _ = _read_text(path, max(path.stat().st_size * 64, DEFAULT_MAX_FILE_SIZE))
    if kind == "jsonl":
        return {n: (n, n) for n, line in enumerate(text.split("\n"), start=1) if line.strip()}
    return dict(_csv_line_spans(text))


# -- reading ----------------------------------------------------------------------------


def _read_text(path: Path, max_size: int) -> tuple[str, str]:
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
                raw = handle.read(max_size + 1)
        except (OSError, EOFError) as exc:
            raise InputError(f"not a readable gzip file ({exc})") from exc
        if len(raw) > max_size:
            raise InputError(f"decompresses to more than --max-file-size ({max_size:,} bytes)")
    if not raw.strip():
        raise InputError("empty file")
    return decode_bytes(raw)


# -- records ----------------------------------------------------------------------------


def _first(values: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = values.get(name)
        if value is not None and value != "" and value != []:
            return value
    return None


def _string(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text.strip() or None


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = json.loads(value)  # a list that polars handed over as its JSON text
        except ValueError:
            pass
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _instant(value: Any, default_tz: tzinfo) -> tuple[datetime, bool] | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=default_tz)
        return moment.astimezone(UTC), value.tzinfo is None and value.time() == time()
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=default_tz).astimezone(UTC), True
    text = _string(value)
    return parse_instant(text, default_tz) if text else None


def _document(
    source: Source, number: int, values: dict[str, Any], fields_: FeedFields, encoding: str,
    default_tz: tzinfo, mtime_ns: int, size: int,
) -> Document | None:
    """The record as a document; ``None`` when it has no text."""
    text = _first(values, fields_.text)
    if not isinstance(text, str) or not text.strip():
        return None
    raw_date, url, title = _first(values, fields_.date), _string(_first(values, fields_.url)), _string(_first(values, fields_.title))
    authors, record_id = _authors(_first(values, fields_.authors)), _string(_first(values, fields_.id))
    if url is None and record_id and record_id.startswith(("http://", "https://")):
        url = record_id  # RSS guids are usually the permalink
    # What the record says, not where it sits: a record moved to another line keeps its hash.
    identity = json.dumps([text, str(raw_date) if raw_date is not None else None, url, title, authors, record_id], ensure_ascii=False)
    document = Document(
        path=f"{source.display}#{number}",
        source=f"{source.absolute}#{number}",
        text=text,
        content_hash=xxhash.xxh3_64_hexdigest(identity.encode("utf-8", "surrogatepass")),
        encoding=encoding,
        url=url,
        title=title,
        authors=authors,
        mtime_ns=mtime_ns,
        size=size,
    )
    instant = _instant(raw_date, default_tz) if raw_date is not None else None
    if instant is None and url:
        instant = url_date(url, default_tz)
    if instant is not None:
        document.published, document.date_only = instant
    return document


# -- lines ------------------------------------------------------------------------------


def _csv_line_spans(text: str) -> Iterator[tuple[int, tuple[int, int]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        next(reader)  # the header
        done = reader.line_num
        for number, _ in enumerate(reader, start=1):
            yield number, (done + 1, reader.line_num)
            done = reader.line_num
    except (StopIteration, csv.Error):
        return


def _lines_of(path: Path, kind: str | None, rows: list[Row]) -> dict[int, int]:
    if kind == "jsonl":
        return {number: line for number, line, _ in rows if line is not None}
    if kind == "csv":
        try:
            return {number: span[0] for number, span in record_line_spans(path).items()}
        except (OSError, InputError):
            return {}
    return {}


def _sort_key(where: str) -> tuple[str, int]:
    """``FILE:LINE`` or ``FILE#N`` in file, then number order."""
    if ":" not in where:
        ref = SourceRef.parse(where)
        return (ref.file, ref.record) if ref.record is not None else (where, 0)
    head, _, tail = where.rpartition(":")
    return (head, int(tail)) if tail.isdigit() else (where, 0)


def source_exists(source: str) -> bool:
    """A stored source is a file path, or ``FEED#N`` for a feed record (``#`` may also be
    part of an ordinary file name, so the file itself is tried first)."""
    if os.path.exists(source):
        return True
    ref = SourceRef.parse(source)
    return bool(ref.file) and ref.record is not None and os.path.exists(ref.file)
