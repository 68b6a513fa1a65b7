"""From aligned matches to reuse findings: clusters of spans, origins and reused regions.

* Every match joins two **spans** (a paragraph's aligned region in each article). Spans of
  one paragraph that overlap by at least half of the shorter one are the same passage,
  so they are joined too: clusters are connected components over spans. In a chain
  A -> B -> C, C lands in A's cluster even when B's span taken from A and B's span taken
  by C are different regions of B, as long as they overlap.
* The origin is the member article with the earliest publication instant. The order
  key is ``(undated, instant, content hash)``: an undated article never outranks a dated
  one, and ties are broken by the content hash, never by file name or scan order.
* An origin is *certain* when it is dated and its instant (a whole day for date-only
  stamps) ends no later than every other member's starts, and no member is undated.
* For each span of a copy article in the cluster, the origin side is the origin's spans
  it matched directly (or, in a chain, the nearest origin span through the cluster), and
  the pair is aligned once more so the finding reports the aligned words only. Per copy
  article, non-overlapping regions with most matched words, then highest similarity,
  are kept: one finding per reused region.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from provenance.config import Config
from provenance.pipeline.align import accept, best_chain_region
from provenance.pipeline.anchors import TokenStream
from provenance.pipeline.verify import measure

__all__ = ["DocKey", "Finding", "SpanMatch", "findings_from_matches", "label_components"]

DAY_US = 86_400_000_000
_OVERLAP_TO_JOIN = 0.5
#: A region spanning less than this share of its paragraph's words (either side) is "contained".
_PARAGRAPH_SHARE = 2 / 3
_OPENING = "\"'\u201c\u2018([\u00ab"
_CLOSING = ".,;:!?\"'\u201d\u2019)]\u2026\u00bb"


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


@dataclass(frozen=True, slots=True)
class SpanMatch:
    """A stored match: paragraph units ``a``/``b`` of articles ``a_doc``/``b_doc``, the
    aligned ``str`` spans on each side and the words matched."""

    a: int
    a_doc: int
    a_start: int
    a_end: int
    b: int
    b_doc: int
    b_start: int
    b_end: int
    matched: int


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
    jaccard: float = 0.0
    containment: float = 0.0
    matched: int = 0


# A span node: (unit, doc, start, end).
Node = tuple[int, int, int, int]
#: ``(left, right) -> (ids, labels)``: connected components of an edge list.
Labeller = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def label_components(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edges ``left[i] - right[i]``, vectorised (scipy).

    Returns ``(ids, labels)``: every id on an edge, ascending, and its component label
    (equal labels, same component).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as scipy_components

    ids, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    count = len(ids)
    if count == 0:
        return ids, np.zeros(0, dtype=np.int64)
    half = len(left)
    graph = coo_matrix((np.ones(half, dtype=np.int8), (inverse[:half], inverse[half:])), shape=(count, count))
    _, labels = scipy_components(graph, directed=False)
    return ids, labels.astype(np.int64)


def _origin_certain(origin: DocKey, members: list[DocKey]) -> bool:
    if origin.latest_us is None:
        return False
    for member in members:
        if member.doc == origin.doc:
            continue
        if member.published_us is None or member.published_us < origin.latest_us:
            return False
    return True


def _overlaps(a: Node, b: Node) -> bool:
    shared = min(a[3], b[3]) - max(a[2], b[2])
    return shared > 0 and shared >= _OVERLAP_TO_JOIN * min(a[3] - a[2], b[3] - b[2])


class _Graph:
    """Span nodes, match edges (with matched words) and same-paragraph overlap edges."""

    def __init__(self, matches: list[SpanMatch]) -> None:
        ids: dict[Node, int] = {}
        self.nodes: list[Node] = []
        self.matched: dict[tuple[int, int], int] = {}
        self.adjacent: dict[int, set[int]] = defaultdict(set)
        left: list[int] = []
        right: list[int] = []
        for m in matches:
            a = self._id(ids, (m.a, m.a_doc, m.a_start, m.a_end))
            b = self._id(ids, (m.b, m.b_doc, m.b_start, m.b_end))
            left.append(a)
            right.append(b)
            key = (min(a, b), max(a, b))
            self.matched[key] = max(self.matched.get(key, 0), m.matched)
        by_unit: dict[int, list[int]] = defaultdict(list)
        for node_id, node in enumerate(self.nodes):
            by_unit[node[0]].append(node_id)
        for members in by_unit.values():
            for i, first in enumerate(members):
                for second in members[i + 1 :]:
                    if _overlaps(self.nodes[first], self.nodes[second]):
                        left.append(first)
                        right.append(second)
        for a, b in zip(left, right, strict=True):
            self.adjacent[a].add(b)
            self.adjacent[b].add(a)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)

    def _id(self, ids: dict[Node, int], node: Node) -> int:
        if node not in ids:
            ids[node] = len(self.nodes)
            self.nodes.append(node)
        return ids[node]

    def direct_sources(self, node: int, docs: dict[int, DocKey], copy: DocKey) -> list[int]:
        """Articles earlier than ``copy`` that ``node`` matched directly."""
        found = {self.nodes[other][1] for other in self.adjacent[node]
                 if (min(node, other), max(node, other)) in self.matched}
        return sorted(doc for doc in found if docs[doc].order < copy.order)

    def origin_side(self, region: list[int], origin_doc: int) -> list[int]:
        """Origin nodes matched directly by the region (best-matched unit only), else the
        nearest origin node through the cluster (breadth first, lowest id on ties)."""
        direct: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for node in region:
            for other in self.adjacent[node]:
                key = (min(node, other), max(node, other))
                if self.nodes[other][1] == origin_doc and key in self.matched:
                    direct[self.nodes[other][0]].append((self.matched[key], other))
        if direct:
            unit = max(sorted(direct), key=lambda u: sum(score for score, _ in direct[u]))
            return sorted({other for _, other in direct[unit]})
        seen, queue = set(region), deque(sorted(region))
        while queue:
            node = queue.popleft()
            for other in sorted(self.adjacent[node]):
                if other in seen:
                    continue
                if self.nodes[other][1] == origin_doc:
                    return [other]
                seen.add(other)
                queue.append(other)
        return []


@dataclass(slots=True)
class _Candidate:
    cluster: int
    certain: bool
    origin_doc: int
    copy_doc: int
    origin_unit: int
    copy_unit: int
    origin_words: tuple[int, int]
    copy_words: tuple[int, int]
    similarity: float
    shared: int
    jaccard: float
    containment: float
    matched: int
    rank: tuple
    trimmed: bool = False


def findings_from_matches(
    matches: list[SpanMatch],
    docs: dict[int, DocKey],
    streams: dict[int, TokenStream],
    paragraphs: dict[int, tuple[int, int]],
    texts: Callable[[int], str],
    config: Config,
    labeller: Labeller = label_components,
) -> list[Finding]:
    """Findings from stored matches (boilerplate already removed).

    ``streams`` and ``paragraphs`` give every matched paragraph unit's token stream and
    ``str`` span; ``texts(doc)`` an article's text (for the punctuation at span ends).
    """
    graph = _Graph(matches)
    ids, labels = labeller(graph.left, graph.right)
    clusters: dict[int, list[int]] = defaultdict(list)
    for node_id, label in zip(ids.tolist(), labels.tolist(), strict=True):
        clusters[label].append(node_id)
    ordered = sorted(clusters.values(), key=lambda group: min(_node_order(graph.nodes[n], docs) for n in group))
    candidates: list[_Candidate] = []
    for number, group in enumerate(ordered, start=1):
        group_docs = [docs[d] for d in sorted({graph.nodes[n][1] for n in group})]
        if len(group_docs) < 2:
            continue
        origin = min(group_docs, key=lambda key: key.order)
        certain = _origin_certain(origin, group_docs)
        by_doc: dict[int, list[int]] = defaultdict(list)
        for node in group:
            by_doc[graph.nodes[node][1]].append(node)
        for copy_doc in sorted(by_doc):
            if copy_doc == origin.doc:
                continue
            copy_key = docs[copy_doc]
            # One candidate per copy span and source: the cluster's origin (directly or
            # through the chain) and every other earlier article the span matched
            # directly; selection keeps the earliest source of each region (see _select).
            for node in sorted(by_doc[copy_doc], key=lambda n: graph.nodes[n]):
                found = graph.origin_side([node], origin.doc)
                if found:
                    candidates.append(_candidate(number, certain, graph, [node], found, streams, docs, config))
                for source in graph.direct_sources(node, docs, copy_key):
                    if source == origin.doc:
                        continue
                    pair_certain = _origin_certain(docs[source], [docs[source], copy_key])
                    candidates.append(_candidate(number, pair_certain, graph, [node],
                                                 graph.origin_side([node], source), streams, docs, config))
    chosen = _select(candidates, streams, config)
    return _renumber([_finding(c, streams, paragraphs, texts, config.shingle.size) for c in chosen])


def _node_order(node: Node, docs: dict[int, DocKey]) -> tuple:
    return docs[node[1]].order, node[1], node[2], node[3]


def _words(stream: TokenStream, nodes: list[Node]) -> tuple[int, int]:
    return stream.word_range(min(n[2] for n in nodes), max(n[3] for n in nodes))


def _candidate(number: int, certain: bool, graph: _Graph, region: list[int], origin_nodes: list[int],
               streams: dict[int, TokenStream], docs: dict[int, DocKey], config: Config) -> _Candidate:
    copy_nodes = [graph.nodes[n] for n in region]
    source_nodes = [graph.nodes[n] for n in origin_nodes]
    copy_unit, origin_unit = copy_nodes[0][0], source_nodes[0][0]
    copy_stream, origin_stream = streams[copy_unit], streams[origin_unit]
    copy_words, origin_words = _words(copy_stream, copy_nodes), _words(origin_stream, source_nodes)
    region_found = best_chain_region(origin_stream.shingles, origin_words, copy_stream.shingles, copy_words,
                                     config.shingle.size, config.align)
    matched = 0
    if region_found is not None:
        matched = region_found.matched
        origin_words = (region_found.a_start, min(region_found.a_end, len(origin_stream)))
        copy_words = (region_found.b_start, min(region_found.b_end, len(copy_stream)))
    similarity, shared, jaccard, containment = measure(origin_stream, origin_words, copy_stream, copy_words, matched,
                                                       config.shingle.size)
    copy_doc, origin_doc = copy_nodes[0][1], source_nodes[0][1]
    start = int(copy_stream.starts[copy_words[0]])
    rank = (docs[origin_doc].order, -matched, -similarity, copy_words[1] - copy_words[0], start,
            int(origin_stream.starts[origin_words[0]]))
    return _Candidate(number, certain, origin_doc, copy_doc, origin_unit, copy_unit, origin_words, copy_words,
                      similarity, shared, jaccard, containment, matched, rank)


def _select(candidates: list[_Candidate], streams: dict[int, TokenStream], config: Config) -> list[_Candidate]:
    """Per copy article, non-overlapping copy regions, the earliest source first (then most
    matched words): a region keeps its first origin. A candidate overlapping what is
    taken is cut to its longest free stretch and aligned again, so the words a later
    article added to an earlier one's passage (and another article copied) keep theirs."""
    by_copy: dict[int, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_copy[candidate.copy_doc].append(candidate)
    chosen: list[_Candidate] = []
    for copy_doc in sorted(by_copy):
        taken: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for candidate in sorted(by_copy[copy_doc], key=lambda c: c.rank):
            unit, (first, last) = candidate.copy_unit, candidate.copy_words
            if any(first < t_last and t_first < last for t_first, t_last in taken[unit]):
                free = _longest_free((first, last), taken[unit])
                if free[1] - free[0] < config.segment.min_words:
                    continue
                trimmed = _realign(candidate, free, streams, config)
                if trimmed is None:
                    continue
                candidate = trimmed
            taken[unit].append(candidate.copy_words)
            chosen.append(candidate)
    return chosen


def _longest_free(words: tuple[int, int], taken: list[tuple[int, int]]) -> tuple[int, int]:
    """The longest part of ``words`` outside every taken range."""
    best, cursor = (words[0], words[0]), words[0]
    for t_first, t_last in sorted(taken) + [(words[1], words[1])]:
        stop = min(t_first, words[1])
        if stop - cursor > best[1] - best[0]:
            best = (cursor, stop)
        cursor = max(cursor, t_last)
    return best


def _realign(candidate: _Candidate, copy_words: tuple[int, int], streams: dict[int, TokenStream],
             config: Config) -> _Candidate | None:
    origin_stream, copy_stream = streams[candidate.origin_unit], streams[candidate.copy_unit]
    region = best_chain_region(origin_stream.shingles, candidate.origin_words, copy_stream.shingles, copy_words,
                               config.shingle.size, config.align)
    if region is None or not accept(region, config.align, config.segment.min_words, config.verify.min_similarity):
        return None
    origin_words = (region.a_start, min(region.a_end, len(origin_stream)))
    copy_words = (region.b_start, min(region.b_end, len(copy_stream)))
    similarity, shared, jaccard, containment = measure(origin_stream, origin_words, copy_stream, copy_words,
                                                       region.matched, config.shingle.size)
    return dataclasses.replace(candidate, origin_words=origin_words, copy_words=copy_words, similarity=similarity,
                               shared=shared, jaccard=jaccard, containment=containment, matched=region.matched,
                               trimmed=True)


def _span(stream: TokenStream, words: tuple[int, int], paragraph: tuple[int, int], text: str) -> tuple[int, int]:
    """``str`` span of a word range: the whole paragraph when it holds every word, else
    from the first word to the last, with adjoining quotes and closing punctuation."""
    first, last = words
    if first == 0 and last >= len(stream):
        return paragraph
    start, end = int(stream.starts[first]), int(stream.ends[last - 1])
    while start > paragraph[0] and text[start - 1] in _OPENING:
        start -= 1
    while end < paragraph[1] and text[end] in _CLOSING:
        end += 1
    return start, end


def _finding(candidate: _Candidate, streams: dict[int, TokenStream], paragraphs: dict[int, tuple[int, int]],
             texts: Callable[[int], str], size: int) -> Finding:
    """A region spanning most of both paragraphs is the paragraph reused (edited or
    abridged): reported whole, so the edits at its ends show; a smaller region of either
    paragraph is ``contained`` and reported as its aligned words."""
    origin_stream, copy_stream = streams[candidate.origin_unit], streams[candidate.copy_unit]
    origin_paragraph, copy_paragraph = paragraphs[candidate.origin_unit], paragraphs[candidate.copy_unit]
    o_share = (candidate.origin_words[1] - candidate.origin_words[0]) / max(1, len(origin_stream))
    c_share = (candidate.copy_words[1] - candidate.copy_words[0]) / max(1, len(copy_stream))
    measures = (candidate.similarity, candidate.shared, candidate.jaccard, candidate.containment)
    if candidate.trimmed or min(o_share, c_share) < _PARAGRAPH_SHARE:
        kind = "contained"
        o_span = _span(origin_stream, candidate.origin_words, origin_paragraph, texts(candidate.origin_doc))
        c_span = _span(copy_stream, candidate.copy_words, copy_paragraph, texts(candidate.copy_doc))
    else:
        o_span, c_span = origin_paragraph, copy_paragraph
        measures = measure(origin_stream, (0, len(origin_stream)), copy_stream, (0, len(copy_stream)),
                           candidate.matched, size)
        kind = "verbatim" if measures[0] >= 1.0 else "near-duplicate"
    similarity, shared, jacc, containment = measures
    return Finding(candidate.cluster, candidate.origin_doc, *o_span, candidate.copy_doc, *c_span,
                   similarity, shared, kind, candidate.certain, jacc, containment, candidate.matched)


def _renumber(findings: list[Finding]) -> list[Finding]:
    """Dense cluster numbers 1..n in origin order, whatever clusters selection dropped."""
    numbers = {old: new for new, old in enumerate(sorted({f.cluster for f in findings}), start=1)}
    return [
        Finding(numbers[f.cluster], *(getattr(f, name) for name in Finding.__slots__[1:]))  # type: ignore[arg-type]
        for f in findings
    ]
