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
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from provenance import _native
from provenance.pipeline.arrays import appended_rows, graph_rows

__all__ = ["DocKey", "Labeller", "Matches", "Node", "SpanGraph", "SpanMatch", "edges_repr", "label_components",
           "match_rows", "one_passage"]

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


#: Matches as :class:`SpanMatch` tuples, or as ``(m, 9)`` int64 rows in its field order.
Matches = Sequence[SpanMatch] | np.ndarray


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


def one_passage(spans: list[Node]) -> bool:
    """Whether ``spans`` are one passage (at most one span, or spans of one paragraph
    joined through overlaps by half: an origin's alignments with different copies,
    ending a few words apart): then no walk chooses among them."""
    if len(spans) < 2:
        return True
    if len({span[0] for span in spans}) > 1:
        return False
    reached, todo = {0}, [0]
    while todo:
        first = spans[todo.pop()]
        found = [i for i, span in enumerate(spans) if i not in reached and _overlaps(first, span)]
        reached.update(found)
        todo += found
    return len(reached) == len(spans)


class _Walk(NamedTuple):
    """A walk from a component's origin spans: each span's distance, its next step (the
    lowest-id neighbour one step closer) and the origin span it ends at (as asked)."""

    distance: dict[int, int]
    steps: dict[int, int]
    ends: dict[int, int]


def match_rows(matches: Matches) -> np.ndarray:
    """``matches`` as ``(m, 9)`` int64 rows in :class:`SpanMatch`'s field order."""
    return np.ascontiguousarray(np.asarray(matches, dtype=np.int64).reshape(-1, 9))


class SpanGraph:
    """Span nodes, match edges (with matched words) and same-paragraph overlap edges.

    Built natively (:func:`provenance._native.span_graph`): a stock line's component is
    a few thousand spans but a few hundred thousand matches, so spans are tuples, edges
    arrays, and partners and neighbours compressed rows built once after an :meth:`add`."""

    def __init__(self, matches: Matches = ()) -> None:
        self.nodes: list[Node] = []
        self._ids: dict[Node, int] = {}
        #: Per span id, its rank in the order the matches first meet the spans.
        self.first_seen = np.zeros(0, dtype=np.int64)
        self.by_unit: dict[int, list[int]] = defaultdict(list)
        #: Per node, its article (a wire line's span has hundreds of partners: arrays).
        self.node_docs = np.zeros(0, dtype=np.int64)
        self._partners: dict[int, dict[int, int]] = {}
        #: The match edges as arrays, each pair once: ``(low, high)`` node ids and best score.
        self.pairs = np.zeros((0, 2), dtype=np.int64)
        self.pair_scores = np.zeros(0, dtype=np.int64)
        self._joined = np.zeros((0, 2), dtype=np.int64)
        #: Rows scored < 0 (a stored cluster read as its spans): they label, never walk.
        self._chains = np.zeros((0, 2), dtype=np.int64)
        self._rows: tuple[np.ndarray, ...] | None = None
        #: Results callers derive from a whole component (never changed once added).
        self.cache: dict[tuple[str, int], object] = {}
        #: Per component (keyed by its smallest target node): its walk to the targets.
        self._walks: dict[int, _Walk] = {}
        #: Spans sharing characters with another span of their paragraph, too few to be
        #: joined: the only sources :meth:`overlapped_sources` can reach anything through.
        self.partly: set[int] = set()
        self.add(matches)

    def __contains__(self, node: object) -> bool:
        return node in self._ids

    def add(self, matches: Matches) -> None:
        """Add whole components: ``matches`` share no span with the graph's (a refresh
        that loads more components extends its graph instead of building it again).

        Node ids follow the spans' own order (unit, start, end) within a component, not
        the order the matches come in: walks break ties by id, and a span's rank among
        the others must not move when matches elsewhere in its cluster are added.
        """
        spans, met, _, pairs, scores, joined, partly = _native.span_graph(match_rows(matches))
        base = len(self.nodes)
        fresh: list[Node] = list(map(tuple, spans.tolist()))  # type: ignore[arg-type]
        ids = self._ids
        if not ids.keys().isdisjoint(fresh):
            raise ValueError("SpanGraph.add takes whole new components: a span is already in the graph")
        ids.update(zip(fresh, range(base, base + len(fresh))))
        nodes = self.nodes
        nodes.extend(fresh)
        self.node_docs = np.concatenate([self.node_docs, spans[:, 1]])
        ranks = np.empty(len(fresh), dtype=np.int64)
        ranks[met] = np.arange(base, base + len(fresh))
        self.first_seen = np.concatenate([self.first_seen, ranks])
        for node_id, node in enumerate(fresh, start=base):
            members = self.by_unit[node[0]]
            for first in members:  # spans added before on the same paragraph (ids ascending)
                if first >= base:
                    break
                if _overlaps(nodes[first], node):
                    raise ValueError("SpanGraph.add takes whole new components: a span joins one in the graph")
                if _partly_overlaps(nodes[first], node):
                    self.partly.update((first, node_id))
            members.append(node_id)
        self.partly.update((partly + base).tolist())
        chain = scores < 0
        if chain.any():
            self._chains = np.concatenate([self._chains, pairs[chain] + base])
            pairs, scores = pairs[~chain], scores[~chain]
        self.pairs = np.concatenate([self.pairs, pairs + base])
        self.pair_scores = np.concatenate([self.pair_scores, scores])
        self._joined = np.concatenate([self._joined, joined + base])
        if self._rows is not None:  # the new components' rows follow those built already
            self._rows = appended_rows(self._rows, graph_rows(len(fresh), pairs, scores, joined), base)

    @property
    def left(self) -> np.ndarray:
        """One end of every edge, each once (match pairs, joined spans, chains), for the labeller."""
        return np.concatenate([self.pairs[:, 0], self._joined[:, 0], self._chains[:, 0]])

    @property
    def right(self) -> np.ndarray:
        """The other end of each edge of :attr:`left`."""
        return np.concatenate([self.pairs[:, 1], self._joined[:, 1], self._chains[:, 1]])

    def _compressed_rows(self) -> tuple[np.ndarray, ...]:
        """``(partner_ptr, partners, scores, neighbour_ptr, neighbours)`` of every node."""
        if self._rows is None:
            self._rows = graph_rows(len(self.nodes), self.pairs, self.pair_scores, self._joined)
        return self._rows

    def partners_of(self, node: int) -> dict[int, int]:
        """``node``'s match partners and each pair's matched words: ``{other: matched}``."""
        found = self._partners.get(node)
        if found is None:
            others, scores = self.partner_arrays(node)
            found = self._partners[node] = dict(zip(others.tolist(), scores.tolist(), strict=True))
        return found

    def neighbours(self, node: int) -> list[int]:
        """``node``'s neighbours (match partners and joined spans of its paragraph), ascending."""
        ptr, others = self._compressed_rows()[3:]
        return others[int(ptr[node]) : int(ptr[node + 1])].tolist()  # type: ignore[no-any-return]

    def partner_arrays(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        """``node``'s match partners, ascending, and each pair's matched words."""
        ptr, others, scores = self._compressed_rows()[:3]
        start, stop = int(ptr[node]), int(ptr[node + 1])
        return others[start:stop], scores[start:stop]

    def direct_sources(self, node: int, rank: np.ndarray, before: int) -> np.ndarray:
        """Articles (ascending) that ``node`` matched directly whose precedence ``rank``
        (indexed by article) is below ``before``."""
        docs = self.node_docs[self.partner_arrays(node)[0]]
        return np.unique(docs[rank[docs] < before])

    def overlapped_sources(self, node: int, docs: dict[int, DocKey], copy: DocKey) -> list[int]:
        """Spans of articles earlier than ``copy`` reached through one partial overlap: a
        source span of ``node`` overlaps, too little to be joined, another span of its
        paragraph that matched an earlier article. In A -> B -> C, B's span taken from A
        and B's span taken by C may share only a sentence; that sentence of C is A's."""
        found: set[int] = set()
        nodes, before = self.nodes, copy.order
        partly = self.partly
        for source in [other for other in self.partner_arrays(node)[0].tolist() if other in partly]:
            via = nodes[source]
            via_order = docs[via[1]].order
            if via_order >= before:
                continue
            for other in self.by_unit[via[0]]:
                if other != source and _partly_overlaps(via, nodes[other]):
                    found.update(earlier for earlier in self.partners_of(other) if docs[nodes[earlier][1]].order < via_order)
        return sorted(found, key=lambda n: self.nodes[n])  # spans of other components: by span, not id

    def direct_side(self, node: int, doc: int) -> list[int]:
        """The nodes of article ``doc`` that ``node`` matched directly, on the best-matched
        unit only (most matched words, then lowest unit id); empty if none."""
        others, scores = self.partner_arrays(node)
        mine = self.node_docs[others] == doc
        if np.count_nonzero(mine) < 2:  # most spans matched the article once: no unit to choose
            return others[mine].tolist()  # type: ignore[no-any-return]
        totals: dict[int, int] = defaultdict(int)
        members: dict[int, set[int]] = defaultdict(set)
        for score, other in zip(scores[mine].tolist(), others[mine].tolist(), strict=True):
            unit = self.nodes[other][0]
            totals[unit] += score
            members[unit].add(other)
        best = min(totals, key=lambda u: (-totals[u], u))
        return sorted(members[best])

    def nearest(self, node: int, targets: list[int]) -> list[int]:
        """The origin side of ``node`` in a chain: ``targets`` (the origin's nodes of
        ``node``'s component, ``node`` not among them) when they are one passage (see
        :func:`one_passage`: which alignment of it a walk reaches first says nothing of
        the copy), else ``[target]``, the one a breadth-first walk from ``node``
        (neighbours visited in id order) meets first (``[]`` if none is reachable).

        That node is the end of the lexicographically smallest (by node ids) shortest
        path to a target, so it is found greedily from each node's distance to the
        targets: one multi-source walk per component instead of one walk per copy span,
        which in a cluster of n spans was O(n) walks of O(n) (a stock phrase reprinted
        by thousands of articles made the refresh quadratic).
        """
        if one_passage([self.nodes[target] for target in targets]):
            return list(targets)
        distance, steps, ends = self._walk(targets)
        path: list[int] = []
        current = node
        while current not in ends:
            level = distance.get(current)
            if level is None:
                return []
            if level == 0:
                raise ValueError("nearest() starts from a target node")
            path.append(current)
            current = steps[current]
            if level == 1:
                ends[current] = current
        end = ends[current]
        for visited in path:
            ends[visited] = end
        return [end]

    def grown_units(self, new: set[int], group: list[int], origin_doc: int, docs: dict[int, DocKey]) -> set[int]:
        """The paragraph units whose copy findings can change when the spans ``new`` (with
        their edges) joined the cluster ``group`` while its origin and its certainty stayed
        the same (spans of another stored cluster it joined count as new).

        What a copy span's findings read (see ``cluster_findings``): its direct matches to
        the origin and to earlier articles, the partners of spans of its sources'
        paragraphs that partially overlap them, and the walk to the origin. So a unit is
        redone if it holds a new span; a span matched to a new span of an earlier article
        or of the origin; a span matched to a span partially overlapping a new span or a
        span matched to one; or, when the origin's spans are not one passage, a span whose
        walk to the origin passes through a new span (ids follow the spans' order, so the
        others' walks keep their ties). A copy's
        findings on one paragraph never read its other paragraphs' (``select_regions`` takes
        regions per unit), so every other unit's findings stay what they were.
        """
        nodes = self.nodes
        found = {nodes[n][0] for n in new}
        around = set(new)
        for n in new:
            n_doc = nodes[n][1]
            for other in self.partners_of(n):
                around.add(other)
                if n_doc == origin_doc or docs[n_doc].order < docs[nodes[other][1]].order:
                    found.add(nodes[other][0])
        for span in around:
            for other in self.by_unit[nodes[span][0]]:
                if other != span and _partly_overlaps(nodes[other], nodes[span]):
                    found.update(nodes[partner][0] for partner in self.partners_of(other))
        targets = [n for n in group if nodes[n][1] == origin_doc]
        if one_passage([nodes[target] for target in targets]):
            return found  # no walk: every copy span's origin side is the whole passage
        direct = {other for target in targets for other in self.partners_of(target)}  # direct_side non-empty
        walk = self._walk(targets) if targets else _Walk({}, {}, {})
        through: dict[int, bool] = {}
        for span in group:
            if nodes[span][0] in found or nodes[span][1] == origin_doc or span in direct:
                continue
            if self._walk_meets(span, walk, new, through):
                found.add(nodes[span][0])
        return found

    def _walk_meets(self, node: int, walk: _Walk, spans: set[int], known: dict[int, bool]) -> bool:
        """Whether :meth:`nearest`'s walk from ``node`` passes through one of ``spans``;
        ``known`` holds the answers of the walks met before (walks share their tails)."""
        path: list[int] = []
        current = node
        while current not in known:
            if current in spans or walk.distance.get(current, 0) == 0:
                known[current] = current in spans
                break
            path.append(current)
            current = walk.steps[current]
        answer = known[current]
        for visited in path:
            known[visited] = answer
        return answer

    def _walk(self, targets: list[int]) -> _Walk:
        """The walk of ``targets``' component to them, once per component (natively:
        a breadth-first walk over a stock line's component in Python took seconds)."""
        key = min(targets)
        memo = self._walks.get(key)
        if memo is None:
            ptr, others = self._compressed_rows()[3:]
            reached, levels, steps = _native.span_walks(ptr, others, np.asarray(targets, dtype=np.int64))
            spans = reached.tolist()
            memo = self._walks[key] = _Walk(dict(zip(spans, levels.tolist())), dict(zip(spans, steps.tolist())), {})
        return memo
