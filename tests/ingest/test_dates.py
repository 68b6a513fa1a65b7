from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provenance.errors import ConfigError
from provenance.ingest.dates import format_instant, parse_instant, resolve_timezone, url_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-05-31T01:00+09:00", datetime(2018, 5, 30, 16, 0, tzinfo=UTC)),
        ("2018-05-31T01:00:00+0900", datetime(2018, 5, 30, 16, 0, tzinfo=UTC)),
        ("2018-05-30T20:00-04:00", datetime(2018, 5, 31, 0, 0, tzinfo=UTC)),
        ("2018-05-30T20:00:00.250Z", datetime(2018, 5, 30, 20, 0, 0, 250000, tzinfo=UTC)),
        ("Thu, 31 May 2018 01:00:00 +0900", datetime(2018, 5, 30, 16, 0, tzinfo=UTC)),
        ("2018-05-30 14:00:00", datetime(2018, 5, 30, 14, 0, tzinfo=UTC)),
    ],
)
def test_instants_become_exact_utc(value, expected):
    moment, date_only = parse_instant(value)
    assert moment == expected and moment.tzinfo is not None and not date_only


def test_tokyo_morning_precedes_new_york_evening_of_the_day_before():
    tokyo, _ = parse_instant("2018-05-31T01:00+09:00")
    new_york, _ = parse_instant("2018-05-30T20:00-04:00")
    assert tokyo < new_york


@pytest.mark.parametrize("value", ["2018-05-30", "2018-05-30 00:00:00"])
def test_date_only_stamps(value):
    moment, date_only = parse_instant(value)
    assert date_only and moment == datetime(2018, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", "yesterday", "2018-13-45", "x" * 200])
def test_garbage_is_not_a_date(value):
    assert parse_instant(value) is None


def test_url_dates_and_formatting():
    moment, date_only = url_date("https://www.cnn.com/2018/05/30/asia/story/index.html")
    assert format_instant(moment) == "2018-05-30T00:00:00Z" and date_only
    assert url_date("https://example.com/2018/13/40/x") is None


def test_unknown_zone_is_a_config_error():
    with pytest.raises(ConfigError, match="IANA"):
        resolve_timezone("Mars/Olympus")


@pytest.mark.parametrize(
    ("zone", "hours"),
    [("+05:00", 5), ("-0330", -3.5), ("UTC-3", -3), ("UTC+05:30", 5.5), ("gmt+1", 1), ("+00:00", 0)],
)
def test_fixed_offsets_are_zones_too(zone, hours):
    stamp, _ = parse_instant("2020-01-01T12:00:00", resolve_timezone(zone))
    assert stamp == datetime(2020, 1, 1, 12, tzinfo=UTC) - timedelta(hours=hours)


def test_an_offset_out_of_range_says_so():
    with pytest.raises(ConfigError, match=r"'\+24:00' for --default-timezone is out of range"):
        resolve_timezone("+24:00")
