"""Find article files and decode them into :class:`~provenance.records.Document`.

Decoding is BOM -> strict UTF-8 -> cp1252, recorded per document. The decoded text is
kept exactly as in the file (no newline translation, no repair) so that every offset we
report slices what the user has on disk.
"""

from __future__ import annotations

import ast
import codecs
import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Protocol

import xxhash

from provenance.errors import DecodeError, InputError
from provenance.ingest.dates import parse_instant, url_date
from provenance.ingest.htmlpage import extract_html, looks_like_html
from provenance.ingest.roots import input_base, prefix
from provenance.records import Document

__all__ = [
    "FEED_SUFFIXES",
    "TEXT_SUFFIXES",
    "Read",
    "Skipped",
    "Source",
    "Stamp",
    "check_file",
    "decode_bytes",
    "iter_sources",
    "load_document",
    "no_articles",
    "parse_header",
    "read_if_changed",
    "reject_duplicate_displays",
    "stamp_matches",
    "unchanged_files",
]

TEXT_SUFFIXES = (".txt", ".md")
#: One article per record (see :mod:`provenance.ingest.feeds`), picked up beside text files.
FEED_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".csv", ".parquet")
MAX_TITLE_CHARS = 300
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
_URL_LINE = re.compile(r"^https?://\S+$")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


@dataclass(frozen=True, slots=True)
class Source:
    """A file to load: ``display`` is relative to the index's root (or the scanned PATH)
    with ``/`` separators; ``absolute`` identifies the file (see :mod:`~provenance.ingest.roots`):
    its resolved path as a string (what the index stores; a rescan of 100k files made a
    ``Path`` of each and turned it back into a string several times over)."""

    display: str
    absolute: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path we could not or would not read, with the reason shown to the user."""

    path: str
    reason: str


class Stamp(Protocol):
    """What is known of a file's stored version: enough to tell it unchanged."""

    @property
    def size(self) -> int: ...

    @property
    def mtime_ns(self) -> int: ...

    @property
    def content_hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Read:
    """A file read: its document if new or changed, why it is skipped if it cannot be
    read, neither if it is unchanged."""

    document: Document | None = None
    skipped: Skipped | None = None


def read_if_changed(source: Source, previous: Stamp | None, default_tz: tzinfo = UTC,
                    max_size: int = DEFAULT_MAX_FILE_SIZE) -> Read:
    """Load ``source`` unless its size and mtime (or, read, its content) say it is
    ``previous`` unchanged. Never raises for a bad file, and touches nothing shared: a
    scan reads files ahead on a helper thread with it."""
    try:
        info = os.stat(source.absolute)
        if previous is not None and stamp_matches(previous, info):
            return Read()
        document = load_document(source, default_tz, max_size=max_size)
    except InputError as exc:
        return Read(skipped=Skipped(source.display, str(exc)))
    except OSError as exc:
        return Read(skipped=Skipped(source.display, f"cannot read ({exc.strerror or exc})"))
    if previous is not None and previous.content_hash == document.content_hash:
        return Read()
    return Read(document)


def unchanged_files(sources: Sequence[Source], feed: Sequence[bool], stored: Mapping[str, Stamp]) -> list[bool]:
    """Which of ``sources`` (not feeds: ``feed``) have the size and mtime of their stored
    version, by one ``stat`` each, here: a rescan of a 100k-article folder finds most
    unchanged, and handing each to a reading thread to learn so cost more than the
    ``stat``. A file that cannot be stat'ed is left to :func:`read_if_changed` to report."""
    same = [False] * len(sources)
    for at, (source, is_feed) in enumerate(zip(sources, feed, strict=True)):
        previous = None if is_feed else stored.get(source.absolute)
        if previous is not None:
            try:
                info = os.stat(source.absolute)
            except OSError:
                continue
            same[at] = stamp_matches(previous, info)
    return same


def stamp_matches(previous: Stamp, info: os.stat_result) -> bool:
    """Whether a file's ``stat`` shows the size and mtime of its stored version (then it
    is taken as unchanged without being read)."""
    return previous.size == info.st_size and previous.mtime_ns == info.st_mtime_ns


def reject_duplicate_displays(sources: Iterable[Source]) -> None:
    """Two inputs whose files would share a display path are an error (their findings
    could not be told apart)."""
    seen: dict[str, Source] = {}
    for source in sources:
        if source.display in seen and seen[source.display].absolute != source.absolute:
            raise InputError(
                f"two inputs share the relative path {source.display!r} ({seen[source.display].absolute} and "
                f"{source.absolute}); scan them into separate indexes or from a common parent folder"
            )
        seen[source.display] = source


def iter_sources(paths: Iterable[str | os.PathLike[str]], root: str | None = None) -> Iterator[Source | Skipped]:
    """Walk folders recursively (sorted, symlinked folders not followed) and yield files.

    A named file is taken whatever its suffix but ``.json`` (a JSON document is no article,
    and a JSON array of records is refused rather than misread: JSON Lines is the feed
    format); inside folders only ``.txt``/``.md`` and feed files (``FEED_SUFFIXES``), which
    the scan expands into their records. Display paths are relative to ``root`` when it is
    given (the index's root folder), else to each PATH.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"{raw}: no such file or directory")
        lead = prefix(input_base(raw), root) if root is not None else ""
        if path.is_dir():
            yield from _walk(path, lead)
        elif path.name.lower().endswith(".json"):
            raise InputError(
                f"{raw}: a JSON file is not read (an article is .txt/.md; a feed is JSON Lines, one record per line); "
                f"convert an array of records with: jq -c '.[]' {raw} > {path.with_suffix('.jsonl').name}"
            )
        else:
            yield check_file(lead + path.name, path)


def no_articles(path: str | os.PathLike[str] | None = None) -> str:
    """Why a PATH gave nothing to read (``under PATH``, or ``here`` without one), naming
    the kinds of file that are read."""
    where = "here" if path is None else f"under {path}"
    return f"no articles found {where} (read: {' '.join(TEXT_SUFFIXES + FEED_SUFFIXES)})"


def _walk(root: Path, lead: str = "") -> Iterator[Source | Skipped]:
    """The article and feed files under ``root`` (what ``os.walk`` lists: symlinked folders
    neither listed nor entered, unreadable folders passed over), by display path."""
    entries: list[tuple[str, Path | None, str, str]] = []
    top = str(root)
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                found = list(listing)
        except OSError:
            continue
        # Display paths and absolute paths by folder, not by file: ``Path.resolve`` of
        # every file walked every component again (a 100k-article folder took seconds).
        relative = folder[len(top) :].lstrip(os.sep).replace(os.sep, "/")
        place = lead + relative + "/" if relative else lead
        named = not _has_surrogates(place)
        resolved = None
        for entry in found:
            if _is_dir(entry):
                if not entry.is_symlink():
                    folders.append(entry.path)
            elif entry.name.lower().endswith(TEXT_SUFFIXES + FEED_SUFFIXES):
                resolved = resolved or os.path.join(Path(folder).resolve(), "")  # with its trailing separator
                # A regular file (known from the listing, no stat) needs no checking.
                plain = named and entry.is_file(follow_symlinks=False) and not _has_surrogates(entry.name)
                entries.append((place + entry.name, None if plain else Path(folder), resolved, entry.name))
    for display, parent, resolved, name in sorted(entries):
        yield Source(display, resolved + name) if parent is None else check_file(display, parent / name, Path(resolved))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def check_file(display: str, full: Path, parent: Path | None = None) -> Source | Skipped:
    """A readable regular file, or the reason it is skipped (never raises). ``parent`` is
    its folder resolved, when the caller knows it (a file that is no symlink is then
    ``parent / name``)."""
    if _has_surrogates(display):
        return Skipped(display.encode("utf-8", "backslashreplace").decode(), "file name is not valid UTF-8")
    try:
        info = os.lstat(full)
        linked = stat.S_ISLNK(info.st_mode)
        if linked:
            info = full.stat()
    except OSError as exc:
        if full.is_symlink():
            reason = "symlink loop" if exc.errno == errno.ELOOP else "broken symlink"
            return Skipped(display, reason)
        return Skipped(display, f"cannot stat ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        return Skipped(display, "not a regular file")
    return Source(display=display, absolute=str(full.resolve() if linked or parent is None else parent / full.name))


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode with BOM detection, then strict UTF-8, then cp1252; return (text, encoding)."""
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    for bom, encoding in boms:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {encoding} byte-order mark but is not valid {encoding}") from exc
    if b"\x00" in raw[:8192]:
        raise DecodeError("binary file (NUL byte in the first 8 KiB)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise DecodeError("not text in UTF-8 or cp1252 (unknown encoding)") from exc


def _lines(text: str, limit: int) -> list[tuple[int, int, str]]:
    """The first ``limit`` lines as (start, end_with_newline, content_without_newline)."""
    found: list[tuple[int, int, str]] = []
    for match in _LINE.finditer(text):
        if match.start() == len(text) and found:
            break
        content = match.group().rstrip("\r\n")
        found.append((match.start(), match.end(), content))
        if len(found) >= limit or match.end() >= len(text):
            break
    return found


def parse_header(text: str, document: Document, default_tz: tzinfo = UTC) -> None:
    """Detect a newspaper3k header (URL, authors list, timestamp, title, blank line).

    Without one, the first non-blank line is the title (when it is title-sized). Fills
    ``document`` in place; header lines become metadata and never passages.
    """
    lines = _lines(text, 5)
    header = _newspaper_header(lines, default_tz)
    if header is not None:
        url, authors, instant, title = header
        document.url, document.authors, document.title = url, authors, title
        document.body_start = lines[4][1] if len(lines) >= 5 else lines[3][1]
        document.published, document.date_only = instant if instant else (None, False)
        if document.published is None:
            _date_from_url(document, default_tz)
        return
    for start, end, content in _lines(text, 50):
        if content.strip():
            if len(content.strip()) <= MAX_TITLE_CHARS:
                document.title = content.strip()
                document.body_start = end
            break
        document.body_start = end


def _newspaper_header(
    lines: list[tuple[int, int, str]], default_tz: tzinfo
) -> tuple[str, list[str], tuple | None, str] | None:
    if len(lines) < 4:
        return None
    url, authors_line, stamp, title = (line[2].strip() for line in lines[:4])
    if not _URL_LINE.match(url) or not title:
        return None
    if len(lines) >= 5 and lines[4][2].strip():
        return None
    authors = _parse_authors(authors_line)
    if authors is None:
        return None
    instant = parse_instant(stamp, default_tz) if stamp else None
    if stamp and instant is None:
        return None
    return url, authors, instant, title


def _parse_authors(line: str) -> list[str] | None:
    """A Python list literal of strings, read with ``ast.literal_eval`` (never ``eval``)."""
    if not (line.startswith("[") and line.endswith("]")) or len(line) > 10_000:
        return None
    try:
        value = ast.literal_eval(line)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return [item.strip() for item in value if item.strip()]


def _date_from_url(document: Document, default_tz: tzinfo) -> None:
    if document.url:
        instant = url_date(document.url, default_tz)
        if instant:
            document.published, document.date_only = instant


def load_document(
    source: Source, default_tz: tzinfo = UTC, raw: bytes | None = None, max_size: int = DEFAULT_MAX_FILE_SIZE
) -> Document:
    """Read, decode and parse one file; raises :class:`InputError` subclasses on bad input.

    The size limit is checked with ``stat`` before reading, so a huge file is never loaded.
    """
    try:
        info = os.stat(source.absolute)
        if info.st_size > max_size:
            raise InputError(f"larger than --max-file-size ({info.st_size:,} > {max_size:,} bytes)")
        if raw is None:
            raw = Path(source.absolute).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})") from exc
    if not raw.strip():
        raise InputError("empty file")
    text, encoding = decode_bytes(raw)
    if looks_like_html(text):
        text, encoding = extract_html(text), f"{encoding}+html"
    document = Document(
        path=source.display,
        source=source.absolute,
        text=text,
        content_hash=xxhash.xxh3_64_hexdigest(raw),
        encoding=encoding,
        mtime_ns=info.st_mtime_ns,
        size=info.st_size,
    )
    parse_header(text, document, default_tz)
    if document.published is None and document.url:
        _date_from_url(document, default_tz)
    return document
