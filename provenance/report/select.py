"""Which reuses a rendering shows, in which order, and how it names articles and lags.

Every format (text, Markdown, CSV, HTML, JSON) applies the same :class:`ReuseFilter` to
the report from :func:`~provenance.report.model.build_report`, and the human formats
present it in the same *display order*: origin articles by publication (dated first,
then the UTC instant, then the path), each origin's copies likewise, and each copy's
passages in reading order. ``--limit`` keeps the first reuses in that order, so what the
terminal shows and what the Markdown or HTML shows agree.

The report's ``summary`` always describes the whole index; a filtered report keeps it,
so a renderer can say "showing 3 of 5 reuses".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "KINDS",
    "TOP_ROWS",
    "OriginGroup",
    "ReuseFilter",
    "display_groups",
    "display_order",
    "format_lag",
    "format_published",
    "outlet",
    "parse_instant",
    "path_matches",
    "select_reuses",
]

Reuse = dict[str, Any]
Document = dict[str, Any]


def path_matches(path: str, pattern: str) -> bool:
    """Glob match of a display path: the whole path (``*`` crosses ``/``), or its last
    components as :meth:`PurePosixPath.match` does (``002_*`` matches ``cnn/002_x.txt``)."""
    return fnmatchcase(path, pattern) or PurePosixPath(path).match(pattern)


KINDS: tuple[str, ...] = ("verbatim", "near-duplicate", "contained")
TOP_ROWS = 10  # rows of the overview's rankings, and origins shown in full by default (``--top``)


def parse_instant(value: str, *, end_of_day: bool = False) -> datetime:
    """A ``--since``/``--until`` bound: ``2021-03-04`` (midnight UTC, or its last
    microsecond with ``end_of_day``) or an ISO-8601 instant (UTC unless it has an offset)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max if end_of_day else time.min)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date: write 2021-03-04 or 2021-03-04T15:30 (UTC unless an offset is given)") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _instant(published: str | None) -> datetime | None:
    return None if not published else datetime.fromisoformat(published)


@dataclass(frozen=True, slots=True)
class ReuseFilter:
    """Which reuses a report shows: ``--origin``/``--copy`` globs on display paths,
    ``--kind``, ``--min-similarity``, ``--since``/``--until`` (the copy's publication,
    both bounds included; an undated copy never passes them), ``--outlet`` globs (origin
    or copy outlet, case-insensitive), then ``--limit`` on the reuses left."""

    origin: str | None = None
    copy: str | None = None
    limit: int | None = None
    kinds: tuple[str, ...] = ()
    min_similarity: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    outlets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}; leave it out to show every reuse")
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r}; choose from {', '.join(KINDS)}")
        if self.min_similarity is not None and not 0.0 <= self.min_similarity <= 1.0:
            raise ValueError(f"min_similarity must be between 0 and 1, got {self.min_similarity}")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("since is later than until: no reuse could pass; swap them")

    def accepts(self, reuse: Reuse, documents: dict[str, Document] | None = None) -> bool:
        """Whether this reuse passes every filter (the limit is applied afterwards);
        ``documents`` (path -> document) names the outlets for ``outlets``."""
        if self.origin is not None and not path_matches(reuse["origin"]["path"], self.origin):
            return False
        if self.copy is not None and not path_matches(reuse["copy"]["path"], self.copy):
            return False
        if self.kinds and reuse["kind"] not in self.kinds:
            return False
        if self.min_similarity is not None and reuse["similarity"] < self.min_similarity:
            return False
        if self.since is not None or self.until is not None:
            published = _instant(reuse["copy"].get("published"))
            if published is None or (self.since and published < self.since) or (self.until and published > self.until):
                return False
        if self.outlets:
            documents = documents or {}
            names = [(outlet(documents.get(reuse[side]["path"], {})) or "").lower() for side in ("origin", "copy")]
            return any(fnmatchcase(name, pattern.lower()) for name in names for pattern in self.outlets)
        return True

    @property
    def active(self) -> bool:
        return any((self.origin is not None, self.copy is not None, self.limit is not None, self.kinds,
                    self.min_similarity is not None, self.since is not None, self.until is not None, self.outlets))


def _document_key(document: Document | None, path: str) -> tuple[bool, str, str]:
    published = document.get("published") if document else None
    return (published is None, published or "", path)


def display_order(report: dict[str, Any]) -> list[Reuse]:
    """The report's reuses in display order (see the module docstring)."""
    documents = {d["path"]: d for d in report["documents"]}

    def key(reuse: Reuse) -> tuple[Any, ...]:
        origin, copy = reuse["origin"], reuse["copy"]
        return (
            _document_key(documents.get(origin["path"]), origin["path"]),
            _document_key(documents.get(copy["path"]), copy["path"]),
            copy["start"],
            origin["start"],
        )

    return sorted(report["reuses"], key=key)


def select_reuses(report: dict[str, Any], reuse_filter: ReuseFilter) -> dict[str, Any]:
    """A shallow copy of ``report`` holding only the reuses ``reuse_filter`` lets through.

    The kept reuses stay in the report's own order (so JSON output only loses entries);
    the limit counts them in display order.
    """
    if not reuse_filter.active:
        return report
    documents = {d["path"]: d for d in report["documents"]} if reuse_filter.outlets else None
    kept = [reuse for reuse in display_order(report) if reuse_filter.accepts(reuse, documents)]
    if reuse_filter.limit is not None:
        kept = kept[: reuse_filter.limit]
    chosen = {id(reuse) for reuse in kept}
    return {**report, "reuses": [reuse for reuse in report["reuses"] if id(reuse) in chosen]}


@dataclass(frozen=True, slots=True)
class OriginGroup:
    """One origin article and, per copying article, the passages it took (display order)."""

    origin: Document
    copies: list[tuple[Document, list[Reuse]]]

    @property
    def reuses(self) -> list[Reuse]:
        return [reuse for _, reuses in self.copies for reuse in reuses]


def display_groups(report: dict[str, Any]) -> list[OriginGroup]:
    """Reuses grouped by origin article, then by copying article, in display order."""
    documents = {d["path"]: d for d in report["documents"]}
    groups: dict[str, dict[str, list[Reuse]]] = {}
    for reuse in display_order(report):
        copies = groups.setdefault(reuse["origin"]["path"], {})
        copies.setdefault(reuse["copy"]["path"], []).append(reuse)
    return [
        OriginGroup(
            documents.get(origin_path, {"path": origin_path}),
            [(documents.get(copy_path, {"path": copy_path}), reuses) for copy_path, reuses in copies.items()],
        )
        for origin_path, copies in groups.items()
    ]


def outlet(document: Document) -> str | None:
    """Who published the article: its site, else its URL's host (``www.`` dropped); for an
    article without either, the top folder it was scanned from (``cnn/``)."""
    site = document.get("site")
    if site:
        return str(site)[4:] + "/" if str(site).startswith("dir:") else str(site)
    url = document.get("url")
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def format_published(document: Document) -> str:
    """``2018-05-30`` for a date-only stamp, ``2018-05-30 14:05 UTC`` otherwise, or ``undated``."""
    published = document.get("published")
    if not published:
        return "undated"
    if document.get("date_only"):
        return published[:10]
    return f"{published[:10]} {published[11:16]} UTC"


def format_lag(seconds: int | None) -> str:
    """``+1 day 2 h``-style lag between origin and copy ("?" when a date is missing)."""
    if seconds is None:
        return "?"
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return sign + (" ".join(parts) if parts else "0 min")
