"""Min-label propagation gives exactly the components union-find gives, on any graph,
from a DataFrame or from Parquet shards."""

from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.pipeline.cluster import connected_components
from provenance.pipeline.components import component_labels, components_as_dict


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


def test_a_long_chain_converges_in_few_rounds():
    # Unit ids against the chain's direction: plain propagation would need 5,000 rounds.
    chain = [(i, i + 1) for i in range(5_000)][::-1]
    labels = component_labels(_pairs(chain))
    assert labels["component"].unique().to_list() == [0]


def test_reads_pair_shards_lazily(tmp_path):
    edges = [(1, 2), (2, 3), (10, 11), (3, 4), (20, 20)]
    for number, start in enumerate(range(0, len(edges), 2)):
        _pairs(edges[start : start + 2]).write_parquet(tmp_path / f"pairs-{number}.parquet")
    labels = component_labels(pl.scan_parquet(tmp_path / "*.parquet"))
    assert components_as_dict(labels) == {1: 1, 2: 1, 3: 1, 4: 1, 10: 10, 11: 10, 20: 20}


def test_no_pairs_no_labels():
    assert component_labels(_pairs([])).is_empty()
