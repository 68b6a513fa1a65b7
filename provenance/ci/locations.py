"""Where a span of an indexed document sits on disk, for annotations and SARIF regions.

Lines are 1-based and end at ``\\r\\n``, ``\\r`` or ``\\n``; columns are 1-based Unicode code
points (Python ``str`` offsets), ``end_column`` exclusive as SARIF wants. A feed record's
text is a field inside its file, so it is located by the record's line(s) only; a Parquet
record has no lines and an extracted HTML page's offsets index the extracted text, so
those are located by file (and record) alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import InputError
from provenance.ingest.feeds import is_feed, record_line_spans
from provenance.records import SourceRef

__all__ = ["LineSpans", "Location", "locate", "record_free", "relative_file", "split_source"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a copied passage sits on disk, for annotations: 1-based lines and columns,
    ``end_column`` exclusive. A feed record is located by its line(s) only."""

    file: str
    record: int | None = None
    start_line: int | None = None
    start_column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        if self.start_line is None:
            return f"{self.file}#{self.record}" if self.record is not None else self.file
        column = f":{self.start_column}" if self.start_column is not None else ""
        return f"{self.file}:{self.start_line}{column}"


def split_source(source: str) -> tuple[str, int | None]:
    """``ABSFILE#N`` of a feed record -> (file, N); a plain file -> (file, None)."""
    ref = SourceRef.parse(source)
    if ref.record is not None and is_feed(ref.file):
        return ref.file, ref.record
    return source, None


def relative_file(file: str, workdir: Path) -> str:
    """``file`` relative to ``workdir`` with ``/`` separators (as GitHub wants), else absolute."""
    path = Path(file)
    try:
        return path.relative_to(workdir).as_posix()
    except ValueError:
        return path.as_posix()


def record_free(path: str) -> str:
    """A feed record's path without its ``#N`` (what stays put when lines move)."""
    return SourceRef.parse(path).file


LineSpans = dict[str, dict[int, tuple[int, int]]]


def locate(source: str, encoding: str | None, text: str, start: int, end: int, workdir: Path,
           feed_lines: LineSpans | None = None) -> Location:
    """Location of ``text[start:end]`` of the document stored from ``source``.

    ``feed_lines`` caches each feed file's record line spans across calls.
    """
    file, record = split_source(source)
    shown = relative_file(file, workdir)
    if record is not None:
        cache = feed_lines if feed_lines is not None else {}
        if file not in cache:
            try:
                cache[file] = record_line_spans(file)
            except (OSError, InputError):
                cache[file] = {}
        lines = cache[file].get(record)
        return Location(shown, record, lines[0], None, lines[1], None) if lines else Location(shown, record)
    if (encoding or "").endswith("+html"):
        return Location(shown)  # offsets index the extracted text, not the file's lines
    starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
    last = max(start, end - 1)
    start_line, end_line = bisect.bisect_right(starts, start), bisect.bisect_right(starts, last)
    return Location(shown, None, start_line, start - starts[start_line - 1] + 1, end_line, last - starts[end_line - 1] + 2)
