"""Selection (--origin/--copy/--kind/--min-similarity/--since/--until/--outlet/--limit),
display order and how articles are named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provenance.report.select import (
    ReuseFilter,
    display_groups,
    display_order,
    format_published,
    outlet,
    parse_instant,
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
        ({"site": "dir:cnn", "url": None}, "cnn/"),  # no URL: the top folder it was scanned from
    ],
)
def test_outlet(document, expected):
    assert outlet(document) == expected


def test_format_published():
    assert format_published({"published": "2018-05-30T00:00:00Z", "date_only": True}) == "2018-05-30"
    assert format_published({"published": "2018-05-30T14:05:09Z", "date_only": False}) == "2018-05-30 14:05 UTC"
    assert format_published({"published": None}) == "undated"


OUTLET_DOCS = [
    {"path": "a/1.txt", "site": "reuters.com", "published": "2020-01-01T10:00:00Z"},
    {"path": "b/2.txt", "site": "bbc.co.uk", "published": "2020-01-02T09:00:00Z"},
    {"path": "c/3.txt", "site": None, "url": "https://www.Example.org/x", "published": "2020-01-03T23:59:59Z"},
    {"path": "d/4.txt", "site": None, "published": None},
]


def _typed(origin, copy, kind, similarity):
    published = {d["path"]: d["published"] for d in OUTLET_DOCS}
    return {"cluster": 1, "kind": kind, "similarity": similarity,
            "origin": {"path": origin, "start": 0, "end": 5, "published": published[origin]},
            "copy": {"path": copy, "start": 0, "end": 5, "published": published[copy]}}


TYPED = [_typed("a/1.txt", "b/2.txt", "verbatim", 1.0), _typed("a/1.txt", "c/3.txt", "near-duplicate", 0.8),
         _typed("b/2.txt", "c/3.txt", "contained", 0.6), _typed("a/1.txt", "d/4.txt", "verbatim", 0.95)]


@pytest.mark.parametrize(
    ("reuse_filter", "kept"),
    [
        (ReuseFilter(kinds=("verbatim",)), [0, 3]),
        (ReuseFilter(kinds=("verbatim", "contained")), [0, 2, 3]),
        (ReuseFilter(min_similarity=0.8), [0, 1, 3]),  # the bound itself passes
        (ReuseFilter(since=parse_instant("2020-01-03")), [1, 2]),  # the copy's publication; undated never passes
        (ReuseFilter(until=parse_instant("2020-01-02", end_of_day=True)), [0]),
        (ReuseFilter(until=parse_instant("2020-01-03", end_of_day=True)), [0, 1, 2]),  # 23:59:59 is that day
        (ReuseFilter(since=parse_instant("2020-01-02T09:00"), until=parse_instant("2020-01-02T09:00")), [0]),
        (ReuseFilter(outlets=("bbc.co.uk",)), [0, 2]),  # origin or copy
        (ReuseFilter(outlets=("EXAMPLE.org",)), [1, 2]),  # case-insensitive, www. dropped
        (ReuseFilter(outlets=("*.co.uk", "reuters*")), [0, 1, 2, 3]),
        (ReuseFilter(kinds=("verbatim",), outlets=("bbc*",), min_similarity=0.9), [0]),  # all must pass
        (ReuseFilter(min_similarity=0.7, limit=2), [0, 1]),  # the limit counts what passed, in display order
    ],
)
def test_every_filter(reuse_filter, kept):
    report = _report(TYPED, OUTLET_DOCS)
    assert select_reuses(report, reuse_filter)["reuses"] == [TYPED[i] for i in kept]


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("2021-03-04", False, datetime(2021, 3, 4, tzinfo=UTC)),
        ("2021-03-04", True, datetime(2021, 3, 4, 23, 59, 59, 999_999, tzinfo=UTC)),
        ("2021-03-04T15:30", True, datetime(2021, 3, 4, 15, 30, tzinfo=UTC)),  # an instant is itself
        ("2021-03-04 15:30:10Z", False, datetime(2021, 3, 4, 15, 30, 10, tzinfo=UTC)),
        ("2021-03-04T17:30+02:00", False, datetime(2021, 3, 4, 15, 30, tzinfo=UTC)),
    ],
)
def test_parse_instant(text, end_of_day, expected):
    assert parse_instant(text, end_of_day=end_of_day) == expected


def test_bad_filters_say_how_to_fix_them():
    with pytest.raises(ValueError, match="write 2021-03-04"):
        parse_instant("last tuesday")
    with pytest.raises(ValueError, match="choose from verbatim"):
        ReuseFilter(kinds=("copied",))
    with pytest.raises(ValueError, match="between 0 and 1"):
        ReuseFilter(min_similarity=1.5)
    with pytest.raises(ValueError, match="swap them"):
        ReuseFilter(since=parse_instant("2021-02-01"), until=parse_instant("2021-01-01"))
