"""The overview: outlet flows, most reused origins, lags, kinds and days, counted once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from provenance.report.overview import (
    LAG_BUCKETS,
    Overview,
    build_overview,
    outlet_matrix,
    timeline_bins,
)
from provenance.report.select import ReuseFilter, display_groups, select_reuses
from tests.report.conftest import ORIGIN


def test_seed_overview(seed_corpus):
    overview = build_overview(seed_corpus.report)
    assert (overview.passages, overview.origin_articles, overview.copy_articles, overview.articles) == (5, 1, 1, 2)
    assert [(f.origin_outlet, f.copy_outlet, f.passages, f.copy_articles, f.origin_articles) for f in overview.flows] == [
        ("cnn.com", "cnn.com", 5, 1, 1)]
    assert [stat.origin["path"] for stat in overview.origins] == [ORIGIN]
    assert dict(overview.lags)["1–3 days"] == 1 and sum(n for _, n in overview.lags) == 1  # one article pair, a day apart
    assert overview.kinds == [("verbatim", 3), ("near-duplicate", 1), ("contained", 1)]
    assert overview.days == [(date(2018, 5, 31), 5)] and overview.undated_copies == 0


def test_generated_overview_counts_every_passage_once(generated_corpus):
    report = generated_corpus.report
    overview = build_overview(report)
    passages = len(report["reuses"])
    assert overview.passages == passages > 100
    assert sum(f.passages for f in overview.flows) == passages
    assert sum(s.passages for s in overview.origins) == passages
    assert sum(n for _, n in overview.kinds) == passages
    assert sum(n for _, n in overview.days) + overview.undated_copies == passages
    pairs = sum(len(group.copies) for group in display_groups(report))
    assert sum(n for _, n in overview.lags) == pairs
    assert [label for label, _ in overview.lags][: len(LAG_BUCKETS)] == [label for label, _ in LAG_BUCKETS]
    ranking = [(-s.copy_articles, -s.passages, s.position) for s in overview.origins]
    assert ranking == sorted(ranking) and len(overview.origins) == overview.origin_articles
    assert len(overview.outlets) >= 8  # the generator's outlets (and folders of its undated articles)
    assert [f.passages for f in overview.flows] == sorted((f.passages for f in overview.flows), reverse=True)


def test_overview_follows_the_filter(generated_corpus):
    report = select_reuses(generated_corpus.report, ReuseFilter(kinds=("verbatim",)))
    overview = build_overview(report)
    assert overview.kinds == [("verbatim", len(report["reuses"]))]


@pytest.mark.parametrize("max_outlets", [1, 3, 50])
def test_outlet_matrix_folds_the_rest_into_other_outlets(generated_corpus, max_outlets):
    overview = build_overview(generated_corpus.report)
    names, cells = outlet_matrix(overview, max_outlets)
    assert sum(n for n, _ in cells.values()) == overview.passages  # nothing lost in the folding
    assert len(names) == min(max_outlets, len(overview.outlets)) + (len(overview.outlets) > max_outlets)
    assert ("other outlets" in names) is (len(overview.outlets) > max_outlets)
    for (source, target), (passages, articles) in cells.items():
        assert source in names and target in names and 0 < articles <= passages


def _days(count: int) -> Overview:
    start = date(2021, 1, 4)  # a Monday
    days = [(start + timedelta(days), 1) for days in range(count)]
    return Overview(count, 1, 1, 2, [], [], [], [], [], days, 0)


@pytest.mark.parametrize(("days", "unit", "bins"), [(30, "day", 30), (200, "week", 29), (900, "month", 30)])
def test_timeline_bins_widen_to_fit(days, unit, bins):
    got_unit, got = timeline_bins(_days(days), 40)
    assert got_unit == unit and len(got) == bins
    assert sum(n for _, n in got) == days
