"""Components and cluster numbering: vectorised labels equal union-find, and findings do
not depend on the order edges come in."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.pipeline.cluster import (
    DocKey,
    UnitInfo,
    connected_components,
    find_reuses,
    label_components,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=40))
def test_vectorised_labels_give_the_union_find_components(edges):
    reference = connected_components(edges)
    units, labels = label_components(np.array([a for a, _ in edges], dtype=np.int64),
                                     np.array([b for _, b in edges], dtype=np.int64))
    assert units.tolist() == sorted(reference)
    for i, left in enumerate(units.tolist()):
        for j, right in enumerate(units.tolist()):
            assert (labels[i] == labels[j]) == (reference[left] == reference[right])


def _unit(unit: int, doc: int, paragraph: int, start: int, words: list[int]) -> UnitInfo:
    return UnitInfo(unit, doc, paragraph, "paragraph", start, start + 50, np.array(sorted(words), dtype=np.uint32))


def test_findings_do_not_depend_on_edge_order():
    docs = {d: DocKey(d, 1_000 * d, False, f"h{d}") for d in range(1, 5)}
    shared, other = list(range(20)), list(range(100, 120))
    units = {
        1: _unit(1, 1, 0, 0, shared), 2: _unit(2, 2, 0, 0, shared), 3: _unit(3, 3, 1, 60, shared),
        4: _unit(4, 1, 1, 60, other), 5: _unit(5, 4, 0, 0, other), 6: _unit(6, 3, 0, 0, other),
    }
    paragraphs = {(u.doc, u.paragraph): (u.start, u.end) for u in units.values()}
    edges = [(1, 2), (2, 3), (4, 5), (5, 6)]
    results = set()
    for seed in range(6):
        shuffled = edges[:]
        random.Random(seed).shuffle(shuffled)
        findings = find_reuses([(b, a) if seed % 2 else (a, b) for a, b in shuffled], units, {}, paragraphs, docs)
        results.add(tuple(findings))
    assert len(results) == 1
    [findings] = results
    assert sorted((f.cluster, f.origin_doc, f.copy_doc) for f in findings) == [(1, 1, 2), (1, 1, 3), (2, 1, 3), (2, 1, 4)]
