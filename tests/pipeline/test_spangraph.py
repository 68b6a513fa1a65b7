"""The span graph: each span once in span order, its best matches and overlaps, and the
walks to the nearest origin span through a cluster."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import _native
from provenance.pipeline.spangraph import SpanGraph, SpanMatch, one_passage


def _graph(edges: list[tuple[int, int]], spans_per_unit: int = 1) -> SpanGraph:
    """A graph whose node ``k`` is span ``(unit k, doc k, 0, 10)`` matched along ``edges``."""
    matches = [SpanMatch(a, a, 0, 10, b, b, 0, 10, 5) for a, b in edges]
    return SpanGraph(matches)


def _walk(graph: SpanGraph, node: int, origin_doc: int) -> list[int]:
    """What a breadth-first walk from ``node`` meets first (neighbours in id order)."""
    seen, queue = {node}, deque([node])
    while queue:
        current = queue.popleft()
        for other in graph.neighbours(current):
            if other in seen:
                continue
            if graph.nodes[other][1] == origin_doc:
                return [other]
            seen.add(other)
            queue.append(other)
    return []


def test_nearest_takes_the_shortest_chain_and_the_lowest_ids_on_ties() -> None:
    # unit 0 is the origin; 5 reaches it through 4 -> 1 -> 0 or 3 -> 2 -> 0 (equal length).
    graph = _graph([(0, 1), (0, 2), (1, 4), (2, 3), (3, 5), (4, 5), (5, 6)])
    ids = {graph.nodes[n][0]: n for n in range(len(graph.nodes))}
    origin = [ids[0]]
    assert graph.nearest(ids[6], origin) == origin
    assert graph.nearest(ids[6], origin) == _walk(graph, ids[6], 0)
    assert graph.nearest(ids[1], origin) == origin


def test_nearest_with_two_origin_spans_meets_the_one_the_walk_reaches_first() -> None:
    # Origin article 0 has spans on units 0 and 1 (both doc 0); 4 is two steps from each.
    matches = [SpanMatch(0, 0, 0, 10, 2, 2, 0, 10, 5), SpanMatch(1, 0, 0, 10, 3, 3, 0, 10, 5),
               SpanMatch(2, 2, 0, 10, 4, 4, 0, 10, 5), SpanMatch(3, 3, 0, 10, 4, 4, 0, 10, 5)]
    graph = SpanGraph(matches)
    origin = [n for n, node in enumerate(graph.nodes) if node[1] == 0]
    four = next(n for n, node in enumerate(graph.nodes) if node[0] == 4)
    assert graph.nearest(four, origin) == _walk(graph, four, 0)
    assert graph.nodes[graph.nearest(four, origin)[0]][0] == 0  # via unit 2, the lower id


def test_nearest_of_a_node_that_cannot_reach_the_origin_is_empty() -> None:
    graph = _graph([(0, 1), (2, 3), (4, 5)])
    assert graph.nearest(2, []) == []
    assert graph.nearest(2, [0, 4]) == []  # origin spans in two places, none in 2's component


def test_one_passage_is_spans_of_one_paragraph_joined_through_overlaps_by_half() -> None:
    assert one_passage([(7, 1, 903, 960)])
    assert one_passage([(7, 1, 903, 960), (7, 1, 903, 963)])
    assert one_passage([(7, 1, 0, 40), (7, 1, 15, 60), (7, 1, 35, 80)])  # the ends joined through the middle
    assert not one_passage([(7, 1, 0, 40), (7, 1, 55, 95)])
    assert not one_passage([(7, 1, 0, 40), (7, 1, 30, 95)])  # sharing 10 of the shorter's 40: not joined
    assert not one_passage([(7, 1, 903, 960), (8, 1, 903, 960)])  # two paragraphs


def test_a_chained_copy_of_an_origin_passage_takes_all_of_its_spans() -> None:
    # The origin (article 0) was aligned twice with one passage of unit 0, by copies 2 and 3
    # ending three characters apart; copy 4 matched neither directly.
    matches = [SpanMatch(0, 0, 903, 960, 2, 2, 0, 57, 9), SpanMatch(0, 0, 903, 963, 3, 3, 0, 60, 9),
               SpanMatch(2, 2, 0, 57, 4, 4, 0, 57, 9), SpanMatch(3, 3, 0, 60, 4, 4, 0, 60, 9)]
    graph = SpanGraph(matches)
    origin = [n for n, node in enumerate(graph.nodes) if node[1] == 0]
    four = [n for n, node in enumerate(graph.nodes) if node[1] == 4]
    assert len(origin) == 2 and len(_walk(graph, four[0], 0)) == 1  # a walk meets one of them first
    assert [graph.nodes[n] for n in graph.nearest(four[0], origin)] == [(0, 0, 903, 960), (0, 0, 903, 963)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)).filter(lambda e: e[0] != e[1]), min_size=1,
                max_size=40),
       st.sets(st.integers(0, 14), min_size=1, max_size=3))
def test_nearest_is_what_the_breadth_first_walk_meets(edges: list[tuple[int, int]], origin_units: set[int]) -> None:
    # Origin article 100 holds the spans of ``origin_units``; every other unit is its own article.
    matches = [SpanMatch(a, 100 if a in origin_units else a, 0, 10, b, 100 if b in origin_units else b, 0, 10, 5)
               for a, b in edges if not (a in origin_units and b in origin_units)]
    if not matches:
        return
    graph = SpanGraph(matches)
    origin = [n for n, node in enumerate(graph.nodes) if node[1] == 100]
    for start in sorted(range(len(graph.nodes)), key=lambda n: -n):  # reuse the memo in another order
        if graph.nodes[start][1] == 100:
            continue
        component = _component(graph, start)
        targets = [n for n in origin if n in component]
        assert graph.nearest(start, targets) == _walk(graph, start, 100)


def _component(graph: SpanGraph, start: int) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for other in graph.neighbours(stack.pop()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen


def test_direct_side_takes_the_unit_with_most_matched_words_then_the_lowest() -> None:
    # The copy span (unit 9, doc 2) matched three spans of doc 1: two on unit 4 (3 + 3
    # words), one on unit 5 (7 words); and one span of doc 3 on unit 6.
    matches = [SpanMatch(4, 1, 0, 10, 9, 2, 0, 10, 3), SpanMatch(4, 1, 20, 30, 9, 2, 0, 10, 3),
               SpanMatch(5, 1, 0, 10, 9, 2, 0, 10, 7), SpanMatch(6, 3, 0, 10, 9, 2, 0, 10, 4)]
    graph = SpanGraph(matches)
    ids = {(node[0], node[2]): n for n, node in enumerate(graph.nodes)}
    copy = ids[(9, 0)]
    assert graph.direct_side(copy, 1) == [ids[(5, 0)]]  # 7 words beat 3 + 3
    assert graph.direct_side(copy, 3) == [ids[(6, 0)]]  # one match: that span
    assert graph.direct_side(copy, 7) == []
    tie = SpanGraph(matches[:2] + [SpanMatch(5, 1, 0, 10, 9, 2, 0, 10, 6)])
    tie_ids = {(node[0], node[2]): n for n, node in enumerate(tie.nodes)}
    assert tie.direct_side(tie_ids[(9, 0)], 1) == [tie_ids[(4, 0)], tie_ids[(4, 20)]]  # 6 = 6: the lower unit, both spans


_SPANS = st.tuples(st.integers(0, 5), st.sampled_from([(0, 40), (10, 50), (30, 90), (45, 60), (80, 120)]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_SPANS, _SPANS, st.integers(1, 30)), min_size=1, max_size=30))
def test_the_graph_holds_each_span_once_in_span_order_with_its_best_matches_and_overlaps(edges) -> None:
    # Unit u belongs to article u // 2; a match joins spans of two different units.
    matches = [SpanMatch(a, a // 2, a_start, a_end, b, b // 2, b_start, b_end, score)
               for (a, (a_start, a_end)), (b, (b_start, b_end)), score in edges if a != b]
    if not matches:
        return
    graph = SpanGraph(np.asarray(matches, dtype=np.int64))
    met = list(dict.fromkeys(span for m in matches for span in (m[:4], m[4:8])))
    assert graph.nodes == sorted(met, key=lambda n: (n[0], n[2], n[3], n[1]))
    ids = {node: n for n, node in enumerate(graph.nodes)}
    assert [int(graph.first_seen[ids[node]]) for node in met] == list(range(len(met)))
    best: dict[tuple[int, int], int] = {}
    for m in matches:
        key = (ids[m[:4]], ids[m[4:8]])
        for pair in (key, key[::-1]):
            best[pair] = max(best.get(pair, 0), m[8])
    for n, node in enumerate(graph.nodes):
        partners = {other: score for (one, other), score in best.items() if one == n}
        assert graph.partners_of(n) == partners
        joined = {other for other, span in enumerate(graph.nodes)
                  if other != n and span[0] == node[0] and _overlap(span, node) * 2 >= min(span[3] - span[2], node[3] - node[2])
                  and _overlap(span, node) > 0}
        assert graph.neighbours(n) == sorted(partners.keys() | joined)


def _overlap(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return min(a[3], b[3]) - max(a[2], b[2])


def test_a_graph_extended_by_a_component_equals_one_built_at_once() -> None:
    first = [SpanMatch(1, 1, 0, 10, 2, 2, 0, 10, 4), SpanMatch(2, 2, 0, 10, 3, 3, 5, 15, 6)]
    second = [SpanMatch(7, 7, 0, 10, 8, 8, 0, 10, 9), SpanMatch(1, 1, 30, 40, 8, 8, 20, 30, 2),
              SpanMatch(9, 9, 0, 20, 8, 8, 5, 15, 3)]  # (8, 5, 15) joins (8, 0, 10): half of it overlaps
    grown = SpanGraph(first)
    asked = SpanGraph(first)
    assert asked.neighbours(0) == [1]  # its edges are built before it grows: they are extended, not rebuilt
    for graph in (grown, asked):
        graph.add(second)
    whole = SpanGraph(first + second)
    assert sorted(grown.nodes) == sorted(whole.nodes) and asked.nodes == grown.nodes
    for node in whole.nodes:
        theirs = whole.nodes.index(node)
        for graph in (grown, asked):
            mine = graph.nodes.index(node)
            assert ({graph.nodes[n]: s for n, s in graph.partners_of(mine).items()}
                    == {whole.nodes[n]: s for n, s in whole.partners_of(theirs).items()})
            assert sorted(graph.nodes[n] for n in graph.neighbours(mine)) == sorted(whole.nodes[n] for n in whole.neighbours(theirs))
    assert any(len(asked.neighbours(n)) > len(asked.partners_of(n)) for n in range(len(asked.nodes)))  # a joined span
    with pytest.raises(ValueError, match="whole new components"):
        grown.add([SpanMatch(1, 1, 0, 10, 9, 9, 0, 10, 1)])  # a span already in the graph


def test_walks_refuse_ids_outside_the_graph() -> None:
    with pytest.raises(ValueError, match="node 5 is not below 2"):
        _native.span_walks(np.array([0, 1, 2]), np.array([1, 0]), np.array([5]))
    with pytest.raises(ValueError, match="node 7 is not below 2"):
        _native.span_walks(np.array([0, 1, 2]), np.array([7, 0]), np.array([0]))  # a neighbour outside
    with pytest.raises(ValueError, match="indptr"):
        _native.span_walks(np.array([0, 3]), np.array([0]), np.array([0]))
    with pytest.raises(ValueError, match="indptr"):
        _native.span_walks(np.array([1, 2]), np.array([0]), np.array([0]))


def test_a_walk_costs_its_component_not_the_graph() -> None:
    """A refresh walks thousands of small components of one large graph: each walk reads
    (and checks) only the rows it reaches, so rows elsewhere are never looked at."""
    indptr = np.array([0, 1, 2, 2, 50], dtype=np.int64)  # node 3's row points past `indices`
    reached, levels, steps = _native.span_walks(indptr, np.array([1, 0], dtype=np.int64), np.array([1], dtype=np.int64))
    assert (reached.tolist(), levels.tolist(), steps.tolist()) == ([1, 0], [0, 1], [-1, 1])

