"""From verified unit matches to reuse findings: clusters, origins and reused spans.

* Matches form clusters (connected components), so in a chain A -> B -> C, C lands in
  A's cluster even when C no longer resembles A enough to match it directly.
* The origin is the member article with the earliest publication instant. The order
  key is ``(undated, instant, content hash)``: an undated article never outranks a dated
  one, and ties are broken by the content hash, never by file name or scan order.
* An origin is *certain* when it is dated and its instant (a whole day for date-only
  stamps) ends no later than every other member's starts, and no member is undated.
* Each copy unit is paired with every origin unit of its cluster it shares text with;
  sentence-run segments at either end that the other side does not contain are
  trimmed (the span actually reused), and per copy article the non-overlapping findings
  with most shared shingles, then highest similarity, are kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from provenance.pipeline.verify import shared_count

__all__ = ["DocKey", "Finding", "UnitInfo", "connected_components", "find_reuses", "label_components",
           "reuses_in_clusters", "unit_order"]

DAY_US = 86_400_000_000
_CONTAINMENT_TO_KEEP = 0.5


@dataclass(frozen=True, slots=True)
class DocKey:
    """What decides precedence: publication instant (µs, UTC) and content hash."""

    doc: int
    published_us: int | None
    date_only: bool
    content_hash: str

    @property
    def order(self) -> tuple[bool, int, str]:
        return (self.published_us is None, self.published_us or 0, self.content_hash)

    @property
    def latest_us(self) -> int | None:
        if self.published_us is None:
            return None
        return self.published_us + (DAY_US if self.date_only else 0)


@dataclass(slots=True, eq=False)  # identity: shingle arrays make field equality meaningless
class UnitInfo:
    unit: int
    doc: int
    paragraph: int
    kind: str
    start: int
    end: int
    shingles: np.ndarray


@dataclass(frozen=True, slots=True)
class Finding:
    cluster: int
    origin_doc: int
    origin_start: int
    origin_end: int
    copy_doc: int
    copy_start: int
    copy_end: int
    similarity: float
    shared: int
    kind: str
    origin_certain: bool


def connected_components(edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Union-find: unit -> smallest unit id of its component."""
    parent: dict[int, int] = {}

    def find(item: int) -> int:
        root = parent.setdefault(item, item)
        while root != parent[root]:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    for left, right in edges:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {item: find(item) for item in parent}


def _origin_certain(origin: DocKey, members: list[DocKey]) -> bool:
    if origin.latest_us is None:
        return False
    for member in members:
        if member.doc == origin.doc:
            continue
        if member.published_us is None or member.published_us < origin.latest_us:
            return False
    return True


def _trim(unit: UnitInfo, other: np.ndarray, parts: list[UnitInfo]) -> list[UnitInfo]:
    """Drop leading/trailing segments of ``unit`` mostly absent from ``other``."""
    if unit.kind != "paragraph" or len(parts) < 2:
        return [unit]
    kept = [p for p in parts if len(p.shingles) and shared_count(p.shingles, other) / len(p.shingles) >= _CONTAINMENT_TO_KEEP]
    if not kept:
        return [unit]
    first, last = parts.index(kept[0]), parts.index(kept[-1])
    return parts[first : last + 1] if (first, last) != (0, len(parts) - 1) else [unit]


def _measure(origin_parts: list[UnitInfo], copy_parts: list[UnitInfo]) -> tuple[float, int]:
    left = origin_parts[0].shingles if len(origin_parts) == 1 else np.unique(np.concatenate([p.shingles for p in origin_parts]))
    right = copy_parts[0].shingles if len(copy_parts) == 1 else np.unique(np.concatenate([p.shingles for p in copy_parts]))
    shared = shared_count(left, right)
    union = len(left) + len(right) - shared
    return (shared / union if union else 0.0), shared


def find_reuses(
    edges: list[tuple[int, int]],
    units: dict[int, UnitInfo],
    segments: dict[tuple[int, int], list[UnitInfo]],
    paragraphs: dict[tuple[int, int], tuple[int, int]],
    docs: dict[int, DocKey],
) -> list[Finding]:
    """Reuse findings from verified edges (boilerplate already removed).

    ``segments`` maps ``(doc, paragraph)`` to its segment units in text order and
    ``paragraphs`` to the paragraph span; both are used to report the reused span.
    Everything is in memory here; :func:`provenance.store.findings.refresh` computes the
    same result at index scale with :func:`label_components` and :func:`reuses_in_clusters`.
    """
    component_of = connected_components(edges)
    members: dict[int, list[UnitInfo]] = defaultdict(list)
    for unit_id, root in component_of.items():
        members[root].append(units[unit_id])
    ordered = sorted(members.values(), key=lambda group: min(unit_order(u, docs) for u in group))
    return reuses_in_clusters(ordered, segments, paragraphs, docs)


def unit_order(unit: UnitInfo, docs: dict[int, DocKey]) -> tuple[tuple[bool, int, str], int, int, int]:
    """Clusters are numbered by their earliest unit: publication order of its article,
    then its offsets; the document id breaks the tie between identical articles."""
    return docs[unit.doc].order, unit.doc, unit.start, unit.end


def label_components(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edges ``left[i] - right[i]``, vectorised (scipy).

    Returns ``(units, labels)``: every unit id on an edge, ascending, and its component
    label (equal labels, same component).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as scipy_components

    units, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    count = len(units)
    if count == 0:
        return units, np.zeros(0, dtype=np.int64)
    half = len(left)
    graph = coo_matrix((np.ones(half, dtype=np.int8), (inverse[:half], inverse[half:])), shape=(count, count))
    _, labels = scipy_components(graph, directed=False)
    return units, labels.astype(np.int64)


def reuses_in_clusters(
    clusters: list[list[UnitInfo]],
    segments: dict[tuple[int, int], list[UnitInfo]],
    paragraphs: dict[tuple[int, int], tuple[int, int]],
    docs: dict[int, DocKey],
) -> list[Finding]:
    """Findings from clusters given in numbering order (see :func:`unit_order`).

    Clusters whose units all sit in one article give nothing and may be left out: only
    the relative order of the others matters for the final, dense numbers.
    """
    candidates: list[_Candidate] = []
    for number, members in enumerate(clusters, start=1):
        group = sorted(members, key=lambda u: unit_order(u, docs))
        group_docs = [docs[d] for d in sorted({u.doc for u in group})]
        origin = min(group_docs, key=lambda key: key.order)
        certain = _origin_certain(origin, group_docs)
        origin_units = sorted((u for u in group if u.doc == origin.doc), key=lambda u: (u.start, u.end))
        for copy in group:
            if copy.doc == origin.doc:
                continue
            # Every origin unit sharing text is a candidate: a copy paragraph merged from two
            # origin paragraphs yields one (trimmed) finding per origin paragraph.
            related = [o for o in origin_units if shared_count(o.shingles, copy.shingles)]
            for origin_unit in related or origin_units[:1]:
                candidates.append(_candidate(number, origin_unit, copy, segments, docs, certain))
    chosen = _coalesce(_select(candidates), segments)
    return _renumber([_finding(candidate, paragraphs) for candidate in chosen])


def _renumber(findings: list[Finding]) -> list[Finding]:
    """Dense cluster numbers 1..n in origin order, whatever clusters selection dropped."""
    numbers = {old: new for new, old in enumerate(sorted({f.cluster for f in findings}), start=1)}
    return [
        Finding(numbers[f.cluster], *(getattr(f, name) for name in Finding.__slots__[1:]))  # type: ignore[arg-type]
        for f in findings
    ]


@dataclass(slots=True)
class _Candidate:
    """A possible finding: trimmed origin/copy parts (units) and their cluster."""

    cluster: int
    certain: bool
    origin_parts: list[UnitInfo]
    copy_parts: list[UnitInfo]
    shared: int
    similarity: float
    rank: tuple

    @property
    def copy_span(self) -> tuple[int, int]:
        return self.copy_parts[0].start, self.copy_parts[-1].end


def _candidate(
    number: int,
    origin: UnitInfo,
    copy: UnitInfo,
    segments: dict[tuple[int, int], list[UnitInfo]],
    docs: dict[int, DocKey],
    certain: bool,
) -> _Candidate:
    origin_parts = _trim(origin, copy.shingles, segments.get((origin.doc, origin.paragraph), []))
    copy_parts = _trim(copy, origin.shingles, segments.get((copy.doc, copy.paragraph), []))
    similarity, shared = _measure(origin_parts, copy_parts)
    c_start, c_end = copy_parts[0].start, copy_parts[-1].end
    rank = (-shared, -similarity, c_end - c_start, c_start, docs[origin.doc].order, origin_parts[0].start)
    return _Candidate(number, certain, origin_parts, copy_parts, shared, similarity, rank)


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Per copy article, keep non-overlapping copy spans, best-ranked first."""
    by_copy: dict[int, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_copy[candidate.copy_parts[0].doc].append(candidate)
    chosen: list[_Candidate] = []
    for copy_doc in sorted(by_copy):
        taken: list[tuple[int, int]] = []
        for candidate in sorted(by_copy[copy_doc], key=lambda c: c.rank):
            start, end = candidate.copy_span
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            chosen.append(candidate)
    return chosen


def _position(part: UnitInfo, segments: dict[tuple[int, int], list[UnitInfo]]) -> tuple[int, int]:
    """First and last segment index a part covers in its paragraph."""
    ordered = segments.get((part.doc, part.paragraph), [])
    if part.kind == "segment" and part in ordered:
        index = ordered.index(part)
        return index, index
    return 0, max(0, len(ordered) - 1)


def _adjacent(left: list[UnitInfo], right: list[UnitInfo], segments: dict[tuple[int, int], list[UnitInfo]]) -> bool:
    last, first = left[-1], right[0]
    if (last.doc, last.paragraph) != (first.doc, first.paragraph) or last.kind != "segment" or first.kind != "segment":
        return False
    return _position(first, segments)[0] == _position(last, segments)[1] + 1


def _coalesce(chosen: list[_Candidate], segments: dict[tuple[int, int], list[UnitInfo]]) -> list[_Candidate]:
    """Join findings that continue each other on both sides within the same paragraphs:
    a paragraph split in two or merged from two is matched segment by segment, but what
    was reused is the run, so that is what we report."""
    groups: dict[tuple[int, int], list[_Candidate]] = defaultdict(list)
    for candidate in chosen:
        groups[(candidate.origin_parts[0].doc, candidate.copy_parts[0].doc)].append(candidate)
    result: list[_Candidate] = []
    for key in sorted(groups):
        run: _Candidate | None = None
        for candidate in sorted(groups[key], key=lambda c: c.copy_span):
            if run is not None and _adjacent(run.copy_parts, candidate.copy_parts, segments) and _adjacent(
                run.origin_parts, candidate.origin_parts, segments
            ):
                origin_parts, copy_parts = run.origin_parts + candidate.origin_parts, run.copy_parts + candidate.copy_parts
                similarity, shared = _measure(origin_parts, copy_parts)
                run = _Candidate(min(run.cluster, candidate.cluster), run.certain and candidate.certain,
                                 origin_parts, copy_parts, shared, similarity, run.rank)
                continue
            if run is not None:
                result.append(run)
            run = candidate
        if run is not None:
            result.append(run)
    return result


def _finding(candidate: _Candidate, paragraphs: dict[tuple[int, int], tuple[int, int]]) -> Finding:
    origin, copy = candidate.origin_parts, candidate.copy_parts
    o_span, c_span = (origin[0].start, origin[-1].end), (copy[0].start, copy[-1].end)
    partial = o_span != paragraphs[(origin[0].doc, origin[0].paragraph)] or c_span != paragraphs[(copy[0].doc, copy[0].paragraph)]
    if partial:
        kind = "contained"
    elif candidate.similarity >= 1.0:
        kind = "verbatim"
    else:
        kind = "near-duplicate"
    return Finding(candidate.cluster, origin[0].doc, *o_span, copy[0].doc, *c_span,
                   candidate.similarity, candidate.shared, kind, candidate.certain)
