"""The big picture of a report, computed once for every human format.

A data desk reads a report top-down: who takes text from whom **by outlet**, which origin
articles were reused most, how long after the origin the copies appeared, and reuse by
kind and by day; only then one story's passages. :func:`build_overview` reduces the
(filtered) report to those numbers in one pass over its reuses, so the text, Markdown
and HTML views show the same figures and stay small at any index size.

Counting rules: a *passage* is one reuse (an origin span and a copy span); *articles*
are distinct copying articles; lags are counted per (origin article, copying article)
pair, by the copy's publication minus the origin's; the timeline counts passages by the
copy's publication day (UTC). Ties in every ranking are broken by display order (see
:mod:`~provenance.report.select`), so the overview is deterministic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from provenance.report.select import KINDS, display_groups, outlet

__all__ = [
    "LAG_BUCKETS",
    "NO_OUTLET",
    "OriginStat",
    "OutletFlow",
    "Overview",
    "build_overview",
    "outlet_matrix",
    "timeline_bins",
]

NO_OUTLET = "no outlet"
# (label, upper bound in seconds, exclusive); a lag of 0 or less counts as "under 1 h".
LAG_BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 1 h", 3_600),
    ("1–6 h", 6 * 3_600),
    ("6–24 h", 86_400),
    ("1–3 days", 3 * 86_400),
    ("3–7 days", 7 * 86_400),
    ("over a week", float("inf")),
)
UNKNOWN_LAG = "unknown (undated)"

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutletFlow:
    """Text taken by ``copy_outlet``'s articles from ``origin_outlet``'s."""

    origin_outlet: str
    copy_outlet: str
    passages: int
    copy_articles: int
    origin_articles: int
    copy_paths: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class OriginStat:
    """One origin article and how far its text travelled."""

    origin: Document
    copy_articles: int
    passages: int
    copy_outlets: int
    first_lag_seconds: int | None
    kinds: tuple[str, ...]
    position: int  # in display order, for stable names (``origins/o00042.html``)


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the overview sections show; lists are sorted busiest first."""

    passages: int
    origin_articles: int
    copy_articles: int
    articles: int  # distinct articles taking part, as origin or copy
    flows: list[OutletFlow]
    outlets: list[str]  # every outlet taking part, by passages sent plus received
    origins: list[OriginStat]  # every origin article, most copying articles first
    lags: list[tuple[str, int]]  # (bucket label, article pairs), LAG_BUCKETS order, then unknown
    kinds: list[tuple[str, int]]  # (kind, passages), KINDS order
    days: list[tuple[date, int]]  # (copy publication day, passages), every day from first to last
    undated_copies: int  # passages whose copy has no date (not in ``days``)

    @property
    def empty(self) -> bool:
        return self.passages == 0


def _lag_bucket(seconds: int | None) -> str:
    if seconds is None:
        return UNKNOWN_LAG
    return next(label for label, bound in LAG_BUCKETS if seconds < bound)


def build_overview(report: dict[str, Any]) -> Overview:
    """The overview of ``report``'s reuses (after any filter)."""
    groups = display_groups(report)
    flows: dict[tuple[str, str], tuple[list[int], set[str], set[str]]] = {}
    volume: Counter[str] = Counter()
    lags: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    days: Counter[date] = Counter()
    undated = 0
    origins: list[OriginStat] = []
    copy_paths: set[str] = set()
    for position, group in enumerate(groups):
        source = outlet(group.origin) or NO_OUTLET
        reached: set[str] = set()
        group_kinds: set[str] = set()
        for copy, reuses in group.copies:
            target = outlet(copy) or NO_OUTLET
            reached.add(target)
            copy_paths.add(copy["path"])
            counts, copies, sources = flows.setdefault((source, target), ([0], set(), set()))
            counts[0] += len(reuses)
            copies.add(copy["path"])
            sources.add(group.origin["path"])
            volume[source] += len(reuses)
            volume[target] += len(reuses)
            lags[_lag_bucket(reuses[0]["lag_seconds"])] += 1
            for reuse in reuses:
                kinds[reuse["kind"]] += 1
                group_kinds.add(reuse["kind"])
                published = reuse["copy"].get("published")
                if published:
                    days[date.fromisoformat(published[:10])] += 1
                else:
                    undated += 1
        origins.append(OriginStat(
            origin=group.origin,
            copy_articles=len(group.copies),
            passages=len(group.reuses),
            copy_outlets=len(reached),
            first_lag_seconds=group.copies[0][1][0]["lag_seconds"],
            kinds=tuple(kind for kind in KINDS if kind in group_kinds),
            position=position,
        ))
    origins.sort(key=lambda stat: (-stat.copy_articles, -stat.passages, stat.position))
    flow_list = [
        OutletFlow(source, target, counts[0], len(copies), len(sources), frozenset(copies))
        for (source, target), (counts, copies, sources) in flows.items()
    ]
    flow_list.sort(key=lambda flow: (-flow.passages, flow.origin_outlet, flow.copy_outlet))
    buckets = [label for label, _ in LAG_BUCKETS] + ([UNKNOWN_LAG] if lags[UNKNOWN_LAG] else [])
    return Overview(
        passages=sum(kinds.values()),
        origin_articles=len(groups),
        copy_articles=len(copy_paths),
        articles=len(copy_paths | {group.origin["path"] for group in groups}),
        flows=flow_list,
        outlets=sorted(volume, key=lambda name: (-volume[name], name)),
        origins=origins,
        lags=[(label, lags[label]) for label in buckets],
        kinds=[(kind, kinds[kind]) for kind in KINDS if kinds[kind]] + sorted(
            (kind, n) for kind, n in kinds.items() if kind not in KINDS),
        days=_every_day(days),
        undated_copies=undated,
    )


def _every_day(days: Counter[date]) -> list[tuple[date, int]]:
    if not days:
        return []
    first, last = min(days), max(days)
    return [(first + timedelta(d), days[first + timedelta(d)]) for d in range((last - first).days + 1)]


def timeline_bins(overview: Overview, max_bins: int) -> tuple[str, list[tuple[date, int]]]:
    """The day counts folded into at most ``max_bins`` bins: by ``"day"``, ``"week"``
    (Monday first) or ``"month"``; returns the unit and (first day of bin, passages)."""
    days = overview.days
    if len(days) <= max_bins:
        return "day", days
    weekly: dict[date, int] = {}
    for day, count in days:
        start = day - timedelta(days=day.weekday())
        weekly[start] = weekly.get(start, 0) + count
    if len(weekly) <= max_bins:
        return "week", list(weekly.items())
    monthly: dict[date, int] = {}
    for day, count in days:
        start = day.replace(day=1)
        monthly[start] = monthly.get(start, 0) + count
    return "month", list(monthly.items())[-max_bins:]


OTHER_OUTLETS = "other outlets"


def outlet_matrix(overview: Overview, max_outlets: int = 12) -> tuple[list[str], dict[tuple[str, str], tuple[int, int]]]:
    """Origin outlet x copy outlet: (passages, copying articles) per cell, for the
    ``max_outlets`` busiest outlets; the rest are folded into ``other outlets`` (its
    articles counted once however many outlets they took text from)."""
    shown = overview.outlets[:max_outlets]
    keep = set(shown)
    cells: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for flow in overview.flows:
        key = (flow.origin_outlet if flow.origin_outlet in keep else OTHER_OUTLETS,
               flow.copy_outlet if flow.copy_outlet in keep else OTHER_OUTLETS)
        passages, copies = cells.get(key, (0, set()))
        cells[key] = (passages + flow.passages, copies | flow.copy_paths)
    names = shown + ([OTHER_OUTLETS] if len(overview.outlets) > max_outlets else [])
    return names, {key: (passages, len(copies)) for key, (passages, copies) in cells.items()}
