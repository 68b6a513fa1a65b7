"""Min-label hooking, pointer jumping and contraction give exactly the components
union-find gives, on any graph (long chains with shuffled ids too), from a DataFrame or
from Parquet shards, in O(log n) rounds."""

from __future__ import annotations

import itertools
import random

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.pipeline import components
from provenance.pipeline.components import component_labels, components_as_dict
from tests.reference import connected_components


def _pairs(edges: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(edges, schema={"a": pl.Int64, "b": pl.Int64}, orient="row")


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=120))
def test_equal_to_union_find_on_arbitrary_graphs(edges):
    assert components_as_dict(component_labels(_pairs(edges))) == connected_components(edges)


@pytest.mark.parametrize("seed", range(5))
def test_equal_to_union_find_on_random_sparse_graphs(seed):
    rng = random.Random(seed)
    nodes = rng.randrange(200, 3000)
    edges = [(rng.randrange(nodes), rng.randrange(nodes)) for _ in range(rng.randrange(nodes // 2, nodes * 2))]
    labels = component_labels(_pairs(edges))
    assert components_as_dict(labels) == connected_components(edges)
    assert labels["unit"].is_sorted()


def _count_rounds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rounds: list[int] = []
    hook = components.hook

    def counted(edges: pl.DataFrame) -> pl.DataFrame:
        rounds.append(len(edges))
        return hook(edges)

    monkeypatch.setattr(components, "hook", counted)
    return rounds


@pytest.mark.parametrize("order", ["against", "along", "shuffled"])
def test_a_long_chain_converges_in_few_rounds(order, monkeypatch):
    # Plain propagation needs a round per link against the ids' order; with pointer
    # jumping alone (no contraction) a chain with shuffled ids still needed ~1,200.
    ids = list(range(5_000))
    if order == "against":
        ids.reverse()
    elif order == "shuffled":
        random.Random(6).shuffle(ids)
    chain = [(ids[i], ids[i + 1]) for i in range(len(ids) - 1)]
    rounds = _count_rounds(monkeypatch)
    labels = component_labels(_pairs(chain))
    assert labels["component"].unique().to_list() == [0] and labels.height == 5_000
    assert len(rounds) <= 16  # about log2(5,000) = 12
    assert all(later < earlier for earlier, later in itertools.pairwise(rounds))  # contraction


def test_a_star_and_a_clique_take_at_most_two_rounds(monkeypatch):
    star = [(1_000, leaf) for leaf in range(1, 500)]
    clique = [(a, b) for a in range(2_000, 2_040) for b in range(a + 1, 2_040)]
    rounds = _count_rounds(monkeypatch)
    assert components_as_dict(component_labels(_pairs(star + clique))) == connected_components(star + clique)
    assert len(rounds) <= 2


def test_reads_pair_shards_lazily(tmp_path):
    edges = [(1, 2), (2, 3), (10, 11), (3, 4), (20, 20)]
    for number, start in enumerate(range(0, len(edges), 2)):
        _pairs(edges[start : start + 2]).write_parquet(tmp_path / f"pairs-{number}.parquet")
    labels = component_labels(pl.scan_parquet(tmp_path / "*.parquet"))
    assert components_as_dict(labels) == {1: 1, 2: 1, 3: 1, 4: 1, 10: 10, 11: 10, 20: 20}


def test_no_pairs_no_labels():
    assert component_labels(_pairs([])).is_empty()


def test_self_pairs_and_duplicates_label_their_units():
    assert components_as_dict(component_labels(_pairs([(5, 5), (3, 4), (4, 3), (3, 4), (9, 9)]))) == {
        3: 3, 4: 3, 5: 5, 9: 9,
    }
