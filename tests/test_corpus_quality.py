"""Recall and precision per reuse kind on a generated corpus with planted ground truth."""

from __future__ import annotations

import pytest

from benchmarks.corpus import CorpusSpec, evaluate, generate_corpus
from provenance import Index, scan
from provenance.report.model import build_report

KINDS = ("verbatim", "edited", "embedded", "split", "merged", "chained")


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("quality")
    truth = generate_corpus(root / "corpus", CorpusSpec(num_articles=300, seed=7))
    with Index.open(root / "index.sqlite") as index:
        scan([root / "corpus"], index)
        return evaluate(build_report(index), truth)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_found_and_reported_precisely(scored, kind):
    stats = scored[kind]
    assert stats["planted"] >= 10, stats
    assert stats["recall"] >= 0.95, stats
    assert stats["precision"] >= 0.95, stats


def test_boilerplate_and_negatives_are_not_reported(scored):
    assert scored["unmatched"]["reported"] <= 0.05 * scored["overall"]["reported"]
    assert scored["negatives"]["reported"] == 0
