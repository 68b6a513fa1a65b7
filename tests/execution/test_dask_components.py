"""Connected components on a 2-worker LocalCluster (dask.dataframe shuffle-joins) equal
union-find and scipy's labels, on random graphs and long chains, from Parquet shards or
from memory; the engine's labeller is scipy for ``local`` and this for ``dask``.

Cluster round trips dominate here, so each test labels one graph made of many disjoint
parts (random graphs, chains with ids along, against and across their order, a star,
self-pairs, duplicates) rather than many small graphs.
"""

from __future__ import annotations

import importlib.util
import itertools
import random

import numpy as np
import pytest

from provenance.execution.engines import component_labeller
from provenance.pipeline.cluster import label_components
from tests.reference import connected_components

HAVE_DASK_DATAFRAME = all(importlib.util.find_spec(name) is not None for name in ("distributed", "pandas", "pyarrow"))
pytestmark = pytest.mark.skipif(
    not HAVE_DASK_DATAFRAME, reason="dask[distributed,dataframe] is not installed (pip install 'passage-provenance[dask]')"
)


@pytest.fixture(scope="module")
def client():
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR, host="127.0.0.1") as cluster, Client(cluster) as client:
        yield client


def _graph(seed: int, chain_length: int = 300) -> list[tuple[int, int]]:
    """Disjoint parts with ids interleaved across parts (so partitions mix them)."""
    rng = random.Random(seed)
    ids = list(range(20_000))
    rng.shuffle(ids)
    taken = iter(ids)
    edges: list[tuple[int, int]] = []
    for _ in range(3):  # sparse random graphs: many components of all sizes
        nodes = [next(taken) for _ in range(rng.randrange(60, 200))]
        edges += [(rng.choice(nodes), rng.choice(nodes)) for _ in range(rng.randrange(len(nodes) // 2, len(nodes) * 2))]
    chain = [next(taken) for _ in range(chain_length)]  # ids in random order along the chain
    edges += list(itertools.pairwise(chain))
    chain = sorted(next(taken) for _ in range(chain_length // 3))  # ids along it, listed against it
    edges += list(itertools.pairwise(chain))[::-1]
    centre, *leaves = (next(taken) for _ in range(50))
    edges += [(leaf, centre) for leaf in leaves]
    lone = next(taken)
    edges += [(lone, lone), edges[0], edges[1][::-1]]  # a self-pair, duplicates both ways
    rng.shuffle(edges)
    return edges


def test_equal_to_union_find_on_random_graphs_and_long_chains(client):
    # The pairs come in 3 partitions and are shuffled into 2: joins meet equal unit ids
    # only if every frame hashes them to partitions of the same number. (The labeller
    # test below runs Dask's default shuffle, p2p; this one the task-based one.)
    import dask.dataframe as dd
    import pandas as pd

    from provenance.execution.dask_components import dask_component_labels

    edges = _graph(1)
    pairs = dd.from_pandas(pd.DataFrame(edges, columns=["x", "y"]), npartitions=3)
    labels = dask_component_labels(pairs, "x", "y", partitions=2, shuffle_method="tasks")
    assert labels.npartitions == 2
    collected = labels.compute()
    assert list(collected.dtypes) == [np.dtype("int64")] * 2
    assert dict(zip(collected["unit"], collected["component"], strict=True)) == connected_components(edges)


def test_the_labeller_reads_parquet_shards_and_matches_scipy_exactly(client, tmp_path):
    from provenance.execution.dask_components import DaskLabeller

    edges = np.array(_graph(2, chain_length=30), dtype=np.int64)
    left, right = edges[:, 0], edges[:, 1]
    workdir = tmp_path / "work"
    labeller = DaskLabeller(scheduler=client.scheduler.address, workdir=str(workdir), pairs_per_shard=400,
                            local_below=0)
    units, labels = labeller(left, right)
    expected_units, expected_labels = label_components(left, right)
    # Same units, and labels numbered the same way (components in order of their
    # smallest unit), so findings are numbered identically.
    assert np.array_equal(units, expected_units) and np.array_equal(labels, expected_labels)
    assert units.dtype == labels.dtype == np.int64
    assert list(workdir.iterdir()) == []  # the pair shards are gone again


def test_without_a_workdir_a_remote_clusters_pairs_travel_in_memory(client):
    from provenance.execution.dask_components import DaskLabeller

    left, right = np.array([7, 3, 9, 12], dtype=np.int64), np.array([3, 4, 9, 4], dtype=np.int64)
    units, labels = DaskLabeller(scheduler=client.scheduler.address, local_below=0)(left, right)
    assert units.tolist() == [3, 4, 7, 9, 12] and labels.tolist() == [0, 0, 0, 1, 0]


def test_small_pair_sets_and_the_local_engine_use_scipy(monkeypatch):
    from provenance.execution import dask_components

    def no_cluster(*args: object) -> None:
        raise AssertionError("started a cluster for a few pairs")

    monkeypatch.setattr(dask_components, "DaskExecutor", no_cluster)
    assert component_labeller("local") is label_components
    labeller = component_labeller("dask", workers=2)
    empty = labeller(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert [part.tolist() for part in empty] == [[], []]
    small = labeller(np.array([5, 1]), np.array([1, 2]))
    assert [part.tolist() for part in small] == [[1, 2, 5], [0, 0, 0]]
