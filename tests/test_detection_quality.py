"""Detection quality on a small generated corpus, per planted kind: the targets of issue 13.

Every kind of reuse the generator plants (``benchmarks.corpus.KINDS``: whole-sentence
copies, and the abridged, trimmed-quote, rewritten-end, merged-sentences, spread and
chained copies sub-editors make) must be found (recall >= 0.97) with its aligned span
(span accuracy >= 0.93) and its true origin (origin accuracy >= 0.99, chains included),
reports must be right (precision >= 0.98 per kind and overall), and nothing may be
reported between the hard negatives (same-story articles, stock phrases, shared
boilerplate). Definitions: ``benchmarks/corpus_eval.py``. The corpus (240 articles, seed 0,
at least 16 events of every kind) is scanned and reported through the CLI, as a user
would; every failure message carries the whole per-kind table.
"""

from __future__ import annotations

import pytest

from benchmarks.corpus import KINDS, CorpusSpec, format_table, generate_corpus
from benchmarks.corpus_eval import evaluate_files
from provenance.cli import main

SPEC = CorpusSpec(240, seed=0, reuse_rate=0.5, min_events_per_kind=16)
TARGETS = {"recall": 0.97, "span_accuracy": 0.93, "origin_accuracy": 0.99, "precision": 0.98}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("detection")
    generate_corpus(root / "corpus", SPEC)
    index, report = root / "index.sqlite", root / "report.json"
    code = main(["scan", str(root / "corpus"), "--index", str(index), "-q"])
    assert code in (0, 1), f"provenance scan exited with {code}"
    code = main(["report", "--format", "json", "--index", str(index), "-o", str(report)])
    assert code in (0, 1), f"provenance report exited with {code}"
    return evaluate_files(report, root / "corpus")


def test_every_kind_is_planted(scored: dict[str, dict]) -> None:
    few = {kind: scored[kind]["planted"] for kind in KINDS if scored[kind]["planted"] < 16}
    assert not few, f"too few planted: {few}\n{format_table(scored)}"


#: Counts behind each ratio, for the small-sample tolerance below.
_COUNTS = {"recall": ("found", "planted"), "span_accuracy": ("span_ok", "found"),
           "origin_accuracy": ("origin_ok", "found"), "precision": ("correct", "reported")}


@pytest.mark.parametrize("metric", TARGETS)
def test_every_kind_meets_the_target(scored: dict[str, dict], metric: str) -> None:
    """Overall must meet the target; a kind (16-34 events here) may fall short of it by
    at most one event, the stated tolerance of a sample that small (one miss in 32 is
    0.969). The 1k-article benchmark (benchmarks/test_quality.py) holds every kind to
    the target itself."""
    hit, total = _COUNTS[metric]
    short = {kind: round(scored[kind][metric], 3) for kind in KINDS
             if scored[kind][metric] < TARGETS[metric] and scored[kind][total] - scored[kind][hit] > 1}
    if scored["overall"][metric] < TARGETS[metric]:
        short["overall"] = round(scored["overall"][metric], 3)
    assert not short, f"{metric} below {TARGETS[metric]}: {short}\n{format_table(scored)}"


def test_nothing_is_reported_between_hard_negatives(scored: dict[str, dict]) -> None:
    negatives = scored["negatives"]
    hits = {kind: row["findings"] for kind, row in negatives["kinds"].items() if row["findings"]}
    assert negatives["findings"] == 0, f"findings on hard negatives: {hits}\n{format_table(scored)}"
