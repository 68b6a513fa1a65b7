"""Components of the span graph read outward from a few units: the matches of whole
components in the full read's order, and nothing of a component not reached; a refresh
after a scan reads no match of a cluster the scan did not touch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provenance import Index, ScanOptions, scan
from provenance.store import subgraph
from provenance.store.findings import _read_matches
from provenance.store.subgraph import Subgraph
from tests.conftest import prose

SHARED_A = prose(101, sentences=2)
SHARED_B = prose(202, sentences=2)


def _units_of(index: Index, path_part: str) -> set[int]:
    return {row[0] for row in index.connection.execute(
        "SELECT u.id FROM units AS u JOIN documents AS d ON d.id = u.doc_id WHERE d.path LIKE ? AND u.kind = 'paragraph'",
        (f"%{path_part}%",))}


@pytest.fixture
def two_clusters(write_article, tmp_path) -> Path:
    """Articles ``a1``/``a2`` share one paragraph, ``b1``/``b2`` another; nothing else."""
    for name, day, shared, seed in (("a1", 4, SHARED_A, 1), ("a2", 5, SHARED_A, 2), ("b1", 4, SHARED_B, 3),
                                    ("b2", 5, SHARED_B, 4)):
        write_article(f"{name[0]}/{name}.txt", f"https://{name[0]}.example/2021/01/0{day}/{name}",
                      f"2021-01-0{day} 09:00:00", name, [prose(seed), shared, prose(seed + 10)])
    with Index.open(tmp_path / "ix.sqlite") as index:
        scan([tmp_path / "corpus"], index, ScanOptions(workers=1, batch_size=5))
    return tmp_path / "ix.sqlite"


def test_a_component_is_read_whole_and_no_other(two_clusters):
    with Index.open(two_clusters) as index:
        db = index.connection
        a_units, b_units = _units_of(index, "a/"), _units_of(index, "b/")
        everything = _read_matches(db)  # (m, 9) rows: a, a_doc, a_start, a_end, b, ...
        in_a = everything[np.isin(everything[:, 0], sorted(a_units))]
        assert len(in_a) and len(in_a) < len(everything)
        graph = Subgraph(db)
        assert graph.grow([int(in_a[:, 0].min())])
        assert graph.matches().tolist() == in_a.tolist()
        assert not graph.units_read & b_units
        assert graph.rows_read == len(in_a)  # each match read once
        assert not graph.grow(a_units)  # nothing new: the component was whole already
        assert graph.matches().tolist() == []  # returned once
        assert graph.grow(b_units)
        assert graph.matches().tolist() == everything[np.isin(everything[:, 0], sorted(b_units))].tolist()


def test_a_refresh_reads_no_match_of_a_cluster_the_scan_did_not_touch(two_clusters, write_article, monkeypatch, tmp_path):
    write_article("a/a3.txt", "https://a.example/2021/01/06/a3", "2021-01-06 09:00:00", "a3",
                  [prose(5), SHARED_A, prose(15)])
    loaded: set[int] = set()
    load = Subgraph._load

    def recording(self: Subgraph, units: set[int]) -> np.ndarray:
        loaded.update(units)
        return load(self, units)

    monkeypatch.setattr(subgraph.Subgraph, "_load", recording)
    with Index.open(two_clusters) as index:
        before = index.connection.execute("SELECT COUNT(*) FROM reuses").fetchone()[0]
        scan([tmp_path / "corpus"], index, ScanOptions(workers=1, batch_size=5))
        assert index.findings_count() == before + 1
        assert loaded & _units_of(index, "a/")
        assert not loaded & _units_of(index, "b/")
