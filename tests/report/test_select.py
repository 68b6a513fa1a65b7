"""Selection (--origin/--copy/--limit), display order and how articles are named."""

from __future__ import annotations

import pytest

from provenance.report.select import (
    ReuseFilter,
    display_groups,
    display_order,
    format_published,
    outlet,
    path_matches,
    select_reuses,
)
from tests.report.conftest import COPY, ORIGIN


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("002_b5b547b9f015d507.txt", "002_*", True),
        ("cnn/2018/002_x.txt", "002_*", True),  # last components, like PurePosixPath.match
        ("cnn/2018/002_x.txt", "cnn/*", True),  # fnmatch: * crosses /
        ("cnn/2018/002_x.txt", "bbc/*", False),
        ("a.txt", "*.md", False),
        ("A.txt", "a.txt", False),  # case-sensitive on every platform
        ("weird[1].txt", "weird[[]1].txt", True),
    ],
)
def test_path_matches(path, pattern, expected):
    assert path_matches(path, pattern) is expected


def _report(reuses, documents):
    return {"summary": {"reuses": len(reuses)}, "documents": documents, "reuses": reuses}


def _reuse(origin, copy, start, cluster=1):
    return {"cluster": cluster, "origin": {"path": origin, "start": start, "end": start + 5},
            "copy": {"path": copy, "start": start, "end": start + 5}, "kind": "verbatim"}


DOCS = [
    {"path": "late.txt", "published": "2020-01-02T00:00:00Z"},
    {"path": "early.txt", "published": "2020-01-01T00:00:00Z"},
    {"path": "copy_a.txt", "published": "2020-01-03T00:00:00Z"},
    {"path": "copy_b.txt", "published": None},
]


def test_display_order_is_by_origin_date_then_copy_date_then_reading_order():
    reuses = [_reuse("late.txt", "copy_a.txt", 1), _reuse("early.txt", "copy_b.txt", 9),
              _reuse("early.txt", "copy_a.txt", 50), _reuse("early.txt", "copy_a.txt", 3)]
    ordered = display_order(_report(reuses, DOCS))
    assert [(r["origin"]["path"], r["copy"]["path"], r["copy"]["start"]) for r in ordered] == [
        ("early.txt", "copy_a.txt", 3), ("early.txt", "copy_a.txt", 50), ("early.txt", "copy_b.txt", 9), ("late.txt", "copy_a.txt", 1)]
    groups = display_groups(_report(reuses, DOCS))
    assert [g.origin["path"] for g in groups] == ["early.txt", "late.txt"]
    assert [c["path"] for c, _ in groups[0].copies] == ["copy_a.txt", "copy_b.txt"]


def test_filters_keep_report_order_and_summary_and_limit_counts_in_display_order():
    reuses = [_reuse("late.txt", "copy_a.txt", 1), _reuse("early.txt", "copy_b.txt", 9), _reuse("early.txt", "copy_a.txt", 3)]
    report = _report(reuses, DOCS)
    limited = select_reuses(report, ReuseFilter(limit=2))
    assert limited["reuses"] == [reuses[1], reuses[2]]  # first two in display order, report order kept
    assert limited["summary"] == report["summary"] and report["reuses"] == reuses  # input untouched
    assert select_reuses(report, ReuseFilter(origin="early*"))["reuses"] == reuses[1:]
    assert select_reuses(report, ReuseFilter(copy="copy_a.txt"))["reuses"] == [reuses[0], reuses[2]]
    assert select_reuses(report, ReuseFilter(origin="early*", copy="*_a.txt"))["reuses"] == [reuses[2]]
    assert select_reuses(report, ReuseFilter(origin="nothing*"))["reuses"] == []
    assert select_reuses(report, ReuseFilter()) is report


def test_limit_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        ReuseFilter(limit=0)


def test_seed_filters(seed_corpus):
    report = seed_corpus.report
    assert len(select_reuses(report, ReuseFilter(origin=ORIGIN))["reuses"]) == 5
    assert select_reuses(report, ReuseFilter(origin=COPY))["reuses"] == []
    assert len(select_reuses(report, ReuseFilter(copy="002_*", limit=3))["reuses"]) == 3


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"site": "cnn.com", "url": "https://edition.cnn.com/x"}, "cnn.com"),
        ({"site": None, "url": "https://www.example.org/a/b"}, "example.org"),
        ({"site": None, "url": None}, None),
    ],
)
def test_outlet(document, expected):
    assert outlet(document) == expected


def test_format_published():
    assert format_published({"published": "2018-05-30T00:00:00Z", "date_only": True}) == "2018-05-30"
    assert format_published({"published": "2018-05-30T14:05:09Z", "date_only": False}) == "2018-05-30 14:05 UTC"
    assert format_published({"published": None}) == "undated"
