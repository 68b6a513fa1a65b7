"""The graph of aligned spans behind clusters: nodes are spans, edges are matches and
same-paragraph overlaps.

A match joins a span of one paragraph to a span of another. Two spans of one paragraph
that overlap by at least half of the shorter are the same passage, so they are joined
too: clusters are the connected components (:func:`label_components`, or the Dask
labeller for very large graphs). The graph also answers, for a span of a copy, which
spans of an earlier article it matched directly, and which origin span the chain
reaches first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from provenance import _native

__all__ = ["DocKey", "Labeller", "Node", "SpanGraph", "SpanMatch", "edges_repr", "label_components"]

DAY_US = 86_400_000_000

#: A span node: (unit, doc, start, end).
Node = tuple[int, int, int, int]
#: ``(left, right) -> (ids, labels)``: connected components of an edge list.
Labeller = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
_OVERLAP_TO_JOIN = 0.5


class DocKey(NamedTuple):
    """What decides precedence: publication instant (µs, UTC) and content hash. A named
    tuple: a refresh makes one per article it meets, up to the whole index."""

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


class SpanMatch(NamedTuple):
    """A stored match: paragraph units ``a``/``b`` of articles ``a_doc``/``b_doc``, the
    aligned ``str`` spans on each side and the words matched. A named tuple, not a
    dataclass: a refresh makes hundreds of thousands, and a tuple is made ~4x faster."""

    a: int
    a_doc: int
    a_start: int
    a_end: int
    b: int
    b_doc: int
    b_start: int
    b_end: int
    matched: int


def label_components(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edges ``left[i] - right[i]`` (native union-find).

    Returns ``(ids, labels)``: every id on an edge, ascending, and its component label
    (equal labels, same component).
    """
    return _native.connected_components(np.ascontiguousarray(left, dtype=np.int64),
                                        np.ascontiguousarray(right, dtype=np.int64))


def edges_repr(rows: np.ndarray) -> bytes:
    """Python's ``repr`` of the sorted list of edges ``((a_unit, a_doc, a_start, a_end),
    (b_unit, b_doc, b_start, b_end), matched)`` given as ``(k, 9)`` rows, as ASCII bytes
    (native: what a cluster's signature digests, for components of any size)."""
    return _native.edges_repr(np.ascontiguousarray(rows, dtype=np.int64).reshape(-1, 9))


def _overlaps(a: Node, b: Node) -> bool:
    shared = min(a[3], b[3]) - max(a[2], b[2])
    return shared > 0 and shared >= _OVERLAP_TO_JOIN * min(a[3] - a[2], b[3] - b[2])


def _partly_overlaps(a: Node, b: Node) -> bool:
    """Spans sharing characters, too few to be joined (what ``overlapped_sources`` follows)."""
    return min(a[3], b[3]) > max(a[2], b[2]) and not _overlaps(a, b)


class SpanGraph:
    """Span nodes, match edges (with matched words) and same-paragraph overlap edges.

    ``matched`` keys each match edge by its node pair ``(low, high)``; ``partners`` holds
    the same per node (``node -> {other: matched}``), so walking a node's matches costs
    no pair building."""

    def __init__(self, matches: list[SpanMatch]) -> None:
        self.nodes: list[Node] = []
        self._ids: dict[Node, int] = {}
        #: Per span id, its rank in the order the matches first meet the spans.
        self.first_seen: dict[int, int] = {}
        self.matched: dict[tuple[int, int], int] = {}
        self.partners: dict[int, dict[int, int]] = defaultdict(dict)
        self.adjacent: dict[int, set[int]] = defaultdict(set)
        self.by_unit: dict[int, list[int]] = defaultdict(list)
        #: Per node asked about, its match edges by the other span's article:
        #: ``{doc: [(matched, other)]}`` (a wire passage reprinted N times has N neighbours;
        #: lookups by article stay O(1)). Filled on demand: only the copy spans a refresh
        #: redoes are asked, not every span of a stock line's cluster.
        self._by_doc: dict[int, dict[int, list[tuple[int, int]]]] = {}
        self.left = np.zeros(0, dtype=np.int64)
        self.right = np.zeros(0, dtype=np.int64)
        #: The match edges as arrays, each pair once: ``(low, high)`` node ids and best score.
        self.pairs = np.zeros((0, 2), dtype=np.int64)
        self.pair_scores = np.zeros(0, dtype=np.int64)
        #: Results callers derive from a whole component, keyed by the caller (a component
        #: never changes once added, so they stay valid for the graph's life).
        self.cache: dict[tuple[str, int], object] = {}
        self._sorted: dict[int, list[int]] = {}
        #: Per component (keyed by its smallest target node): distances to the targets, and
        #: the target each node's walk meets (filled as :meth:`nearest` is asked).
        self._walks: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
        #: Spans sharing characters with another span of their paragraph, too few to be
        #: joined: the only sources :meth:`overlapped_sources` can reach anything through.
        self._partly: set[int] = set()
        self.add(matches)

    def __contains__(self, node: object) -> bool:
        return node in self._ids

    def add(self, matches: list[SpanMatch]) -> None:
        """Add whole components: ``matches`` share no span with the graph's (a refresh
        that loads more components extends its graph instead of building it again).

        Node ids follow the spans' own order (unit, start, end) within a component, not
        the order the matches come in: walks break ties by id, and a span's rank among
        the others must not move when matches elsewhere in its cluster are added.
        """
        a_nodes = [m[:4] for m in matches]  # (unit, doc, start, end): SpanMatch's field order
        b_nodes = [m[4:8] for m in matches]
        base = len(self.nodes)
        # Every span once, in the order the matches first meet them (dicts keep it).
        met = dict.fromkeys(node for pair in zip(a_nodes, b_nodes, strict=True) for node in pair)
        fresh = sorted(met, key=lambda n: (n[0], n[2], n[3], n[1]))
        ids = self._ids
        if not ids.keys().isdisjoint(fresh):
            raise ValueError("SpanGraph.add takes whole new components: a span is already in the graph")
        ids.update(zip(fresh, range(base, base + len(fresh))))
        self.nodes.extend(fresh)
        self.first_seen.update(zip(map(ids.__getitem__, met), range(len(self.first_seen), len(self.first_seen) + len(met))))
        left = list(map(ids.__getitem__, a_nodes))
        right = list(map(ids.__getitem__, b_nodes))
        keys: list[tuple[int, int]] = []
        matched, partners = self.matched, self.partners
        for a, b, score in zip(left, right, [m[8] for m in matches], strict=True):
            key = (a, b) if a < b else (b, a)
            old = matched.get(key)
            if old is None:
                keys.append(key)
            elif old >= score:
                continue  # a pair matched twice keeps its best score
            matched[key] = partners[a][b] = partners[b][a] = score
        units = set()
        for node_id in range(base, len(self.nodes)):
            units.add(self.nodes[node_id][0])
            self.by_unit[self.nodes[node_id][0]].append(node_id)
        for unit in units:
            members = self.by_unit[unit]
            for i, first in enumerate(members):
                for second in members[i + 1 :]:
                    if second < base:
                        continue
                    if _overlaps(self.nodes[first], self.nodes[second]):
                        if first < base:
                            raise ValueError("SpanGraph.add takes whole new components: a span joins one in the graph")
                        left.append(first)
                        right.append(second)
                    elif _partly_overlaps(self.nodes[first], self.nodes[second]):
                        self._partly.update((first, second))
        self.left = np.concatenate([self.left, np.asarray(left, dtype=np.int64)])
        self.right = np.concatenate([self.right, np.asarray(right, dtype=np.int64)])
        self.pairs = np.concatenate([self.pairs, np.asarray(keys, dtype=np.int64).reshape(-1, 2)])
        self.pair_scores = np.concatenate([self.pair_scores, np.asarray([matched[key] for key in keys], dtype=np.int64)])
        adjacent = self.adjacent
        for a, b in keys + list(zip(left[len(matches):], right[len(matches):], strict=True)):  # each pair once
            adjacent[a].add(b)
            adjacent[b].add(a)

    def direct_sources(self, node: int, docs: dict[int, DocKey], copy: DocKey) -> list[int]:
        """Articles earlier than ``copy`` that ``node`` matched directly."""
        before = copy.order
        return sorted(doc for doc in self.matched_by_doc(node) if docs[doc].order < before)

    def matched_by_doc(self, node: int) -> dict[int, list[tuple[int, int]]]:
        """``node``'s match edges by the other span's article: ``{doc: [(matched, other)]}``."""
        found = self._by_doc.get(node)
        if found is None:
            found = self._by_doc[node] = defaultdict(list)
            nodes = self.nodes
            for other, score in self.partners.get(node, {}).items():
                found[nodes[other][1]].append((score, other))
        return found

    def overlapped_sources(self, node: int, docs: dict[int, DocKey], copy: DocKey) -> list[int]:
        """Spans of articles earlier than ``copy`` reached through one partial overlap: a
        source span of ``node`` overlaps, too little to be joined, another span of its
        paragraph that matched an earlier article. In A -> B -> C, B's span taken from A
        and B's span taken by C may share only a sentence; that sentence of C is A's."""
        found: set[int] = set()
        nodes, before = self.nodes, copy.order
        for source in self.partners[node].keys() & self._partly:  # a wire span has hundreds of sources
            via = nodes[source]
            via_order = docs[via[1]].order
            if via_order >= before:
                continue
            for other in self.by_unit[via[0]]:
                if other != source and _partly_overlaps(via, nodes[other]):
                    found.update(earlier for earlier in self.partners[other] if docs[nodes[earlier][1]].order < via_order)
        return sorted(found, key=lambda n: self.nodes[n])  # spans of other components: by span, not id

    def _sorted_adjacent(self, node: int) -> list[int]:
        """``node``'s neighbours in id order, sorted once (walks revisit them)."""
        found = self._sorted.get(node)
        if found is None:
            found = self._sorted[node] = sorted(self.adjacent[node])
        return found

    def direct_side(self, node: int, doc: int) -> list[int]:
        """The nodes of article ``doc`` that ``node`` matched directly, on the best-matched
        unit only (most matched words, then lowest unit id); empty if none."""
        edges = self.matched_by_doc(node).get(doc, ())
        if len(edges) < 2:  # most spans matched the article once: no unit to choose
            return [edges[0][1]] if edges else []
        totals: dict[int, int] = defaultdict(int)
        members: dict[int, set[int]] = defaultdict(set)
        for score, other in edges:
            unit = self.nodes[other][0]
            totals[unit] += score
            members[unit].add(other)
        best = min(totals, key=lambda u: (-totals[u], u))
        return sorted(members[best])

    def nearest(self, node: int, targets: list[int]) -> list[int]:
        """The target node a breadth-first walk from ``node`` (neighbours visited in id
        order) meets first, as ``[target]``; ``targets`` are the origin's nodes of
        ``node``'s component (``node`` not among them), ``[]`` if none is reachable.

        That node is the end of the lexicographically smallest (by node ids) shortest
        path to a target, so it is found greedily from each node's distance to the
        targets: one multi-source walk per component instead of one walk per copy span,
        which in a cluster of n spans was O(n) walks of O(n) (a stock phrase reprinted
        by thousands of articles made the refresh quadratic).
        """
        if not targets:
            return []
        distance = self._distances_to(targets)
        ends = self._walks[min(targets)][1]
        path: list[int] = []
        current = node
        while current not in ends:
            level = distance.get(current)
            if level is None:
                return []
            if level == 0:
                raise ValueError("nearest() starts from a target node")
            path.append(current)
            current = self._step(current, distance)
            if level == 1:
                ends[current] = current
        end = ends[current]
        for visited in path:
            ends[visited] = end
        return [end]

    def _step(self, node: int, distance: dict[int, int]) -> int:
        """The next span of :meth:`nearest`'s walk: the lowest-id neighbour one step closer."""
        level = distance[node]
        return next(other for other in self._sorted_adjacent(node) if distance.get(other) == level - 1)

    def grown_units(self, new: set[int], group: list[int], origin_doc: int, docs: dict[int, DocKey]) -> set[int]:
        """The paragraph units whose copy findings can change when the spans ``new`` (with
        their edges) joined the cluster ``group`` while its origin and its certainty stayed
        the same.

        What a copy span's findings read (see ``cluster_findings``): its direct matches to
        the origin and to earlier articles, the partners of spans of its sources'
        paragraphs that partially overlap them, and the walk to the origin. So a unit is
        redone if it holds a new span; a span matched to a new span of an earlier article
        or of the origin; a span matched to a span partially overlapping a new span or a
        span matched to one; or a span whose walk to the origin passes through a new span
        (ids follow the spans' order, so the others' walks keep their ties). A copy's
        findings on one paragraph never read its other paragraphs' (``select_regions`` takes
        regions per unit), so every other unit's findings stay what they were.
        """
        nodes = self.nodes
        found = {nodes[n][0] for n in new}
        around = set(new)
        for n in new:
            n_doc = nodes[n][1]
            for other in self.partners.get(n, {}):
                around.add(other)
                if n_doc == origin_doc or docs[n_doc].order < docs[nodes[other][1]].order:
                    found.add(nodes[other][0])
        for span in around:
            for other in self.by_unit[nodes[span][0]]:
                if other != span and _partly_overlaps(nodes[other], nodes[span]):
                    found.update(nodes[partner][0] for partner in self.partners.get(other, {}))
        targets = [n for n in group if nodes[n][1] == origin_doc]
        direct = {other for target in targets for other in self.partners.get(target, ())}  # direct_side non-empty
        distance = self._distances_to(targets) if targets else {}
        through: dict[int, bool] = {}
        for span in group:
            if nodes[span][0] in found or nodes[span][1] == origin_doc or span in direct:
                continue
            if self._walk_meets(span, distance, new, through):
                found.add(nodes[span][0])
        return found

    def _walk_meets(self, node: int, distance: dict[int, int], spans: set[int], known: dict[int, bool]) -> bool:
        """Whether :meth:`nearest`'s walk from ``node`` passes through one of ``spans``;
        ``known`` holds the answers of the walks met before (walks share their tails)."""
        path: list[int] = []
        current = node
        while current not in known:
            if current in spans or distance.get(current, 0) == 0:
                known[current] = current in spans
                break
            path.append(current)
            current = self._step(current, distance)
        answer = known[current]
        for visited in path:
            known[visited] = answer
        return answer

    def _distances_to(self, targets: list[int]) -> dict[int, int]:
        """:meth:`_distances`, once per component's targets (the walks' memo keeps them)."""
        key = min(targets)
        memo = self._walks.get(key)
        if memo is None:
            memo = self._walks[key] = (self._distances(targets), {})
        return memo[0]

    def _distances(self, targets: list[int]) -> dict[int, int]:
        """Every node's distance to the nearest of ``targets`` (0 for targets)."""
        distance = dict.fromkeys(targets, 0)
        frontier = list(targets)
        level = 0
        while frontier:
            level += 1
            reached = []
            for current in frontier:
                for other in self.adjacent[current]:
                    if other not in distance:
                        distance[other] = level
                        reached.append(other)
            frontier = reached
        return distance
