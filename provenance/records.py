"""Typed records that flow between pipeline stages.

Offsets are always Python ``str`` offsets into :attr:`Document.text`, the decoded file
exactly as stored (CRLF, mojibake and all); normalisation never changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: a leaf every command imports need not load numpy
    import numpy as np

__all__ = ["Document", "Paragraph", "SourceRef", "Unit"]


@dataclass(slots=True)
class Document:
    """One article: its decoded text and the metadata parsed from it.

    ``path`` is the display path (relative to the index's root folder, ``/``
    separators; see :mod:`provenance.ingest.roots`): a name for reports, which may
    change when the root moves up. ``source`` is what identifies the file on disk
    (absolute path) so rescans and ``--prune`` can find it again.
    """

    path: str
    source: str
    text: str
    content_hash: str
    encoding: str
    body_start: int = 0
    url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    date_only: bool = False
    mtime_ns: int = 0
    size: int = 0

    @property
    def host(self) -> str | None:
        """The outlet's host name (``www.`` dropped) from the URL, if any."""
        if not self.url:
            return None
        from urllib.parse import urlsplit

        host = urlsplit(self.url).hostname or None
        if host and host.startswith("www."):
            host = host[4:]
        return host


@dataclass(frozen=True, slots=True)
class SourceRef:
    """What a stored source or display path names: a file, or record ``N`` of a feed
    file, spelled ``FILE#N``; the one place that spelling is read.

    ``#`` may also be part of an ordinary file name, so callers that can look at the disk
    (or know which files are feeds) decide whether ``record`` really is a record.

    >>> SourceRef.parse("feeds/today.jsonl#3")
    SourceRef(file='feeds/today.jsonl', record=3)
    >>> SourceRef.parse("a#b.txt").record is None
    True
    """

    file: str
    record: int | None = None

    @classmethod
    def parse(cls, source: str) -> SourceRef:
        file, sep, number = source.rpartition("#")
        if sep and number.isdecimal():
            return cls(file, int(number))
        return cls(source)


@dataclass(slots=True, frozen=True)
class Paragraph:
    """A paragraph ``[start, end)`` with the sentence-run segments inside it."""

    start: int
    end: int
    segments: tuple[tuple[int, int], ...]
    boilerplate_pattern: bool = False


@dataclass(slots=True)
class Unit:
    """A matchable span: a whole paragraph or one segment of it, with its shingle hashes.

    ``shingles`` is a sorted array of unique uint32 shingle hashes; it is what MinHash
    signs and what verification compares exactly.
    """

    paragraph: int
    kind: str  # "paragraph" | "segment"
    start: int
    end: int
    shingles: np.ndarray
    words: int = 0
    text_hash: int = 0
    #: Paragraph units only: what alignment and anchoring need (see pipeline/anchors.py).
    tokens: bytes = b""
    anchors: np.ndarray | None = None
