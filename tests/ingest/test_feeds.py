"""Feed files (JSON Lines, CSV, Parquet): records as documents, malformed ones skipped."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from provenance import Index, ScanOptions, scan
from provenance.errors import ConfigError, InputError
from provenance.ingest.feeds import FeedFields, is_feed, load_feed, record_line_spans
from provenance.ingest.load import Source, iter_sources
from provenance.report.model import build_report
from tests.conftest import prose

SHARED = prose(1, sentences=3)
RECORDS = [
    {"text": f"{prose(10)}\n\n{SHARED}", "published": "2018-05-31T01:00+09:00", "url": "https://a.example/x",
     "title": "First", "authors": ["Ann Lee", "Bo Chen"]},
    {"text": prose(20), "published": "2018-06-01", "url": "https://b.example/y", "title": "Second", "authors": ["Cy"]},
]


def write_feed(path: Path, records: list[dict], kind: str | None = None) -> Path:
    kind = kind or path.name.split(".", 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind in ("jsonl", "ndjson", "jsonl.gz"):
        data = "".join(json.dumps(record) + "\n" for record in records).encode()
        path.write_bytes(gzip.compress(data, mtime=0) if kind.endswith(".gz") else data)
    else:
        flat = [{k: ", ".join(v) if isinstance(v, list) else v for k, v in record.items()} for record in records]
        frame = pl.DataFrame(flat)
        frame.write_csv(path) if kind == "csv" else frame.write_parquet(path)
    return path


def load(path: Path, **kwargs):
    return load_feed(Source(path.name, str(path.resolve())), **kwargs)


@pytest.mark.parametrize("suffix", ["jsonl", "ndjson", "jsonl.gz", "csv", "parquet"])
def test_every_feed_kind_gives_one_document_per_record(tmp_path, suffix):
    path = write_feed(tmp_path / f"feed.{suffix}", RECORDS)
    loaded = load(path)
    assert loaded.skipped == []
    assert [r.document.path for r in loaded.records] == [f"feed.{suffix}#1", f"feed.{suffix}#2"]
    first, second = (r.document for r in loaded.records)
    assert first.source == f"{path.resolve()}#1"
    assert first.text == RECORDS[0]["text"] and first.body_start == 0
    assert (first.title, first.url) == ("First", "https://a.example/x")
    assert first.authors == (["Ann Lee", "Bo Chen"] if "json" in suffix else ["Ann Lee, Bo Chen"])
    assert first.published == datetime(2018, 5, 30, 16, 0, tzinfo=UTC) and not first.date_only
    assert second.published == datetime(2018, 6, 1, tzinfo=UTC) and second.date_only


@pytest.mark.parametrize(
    "stamp",
    ["2018-05-31T01:00+09:00", "2018-05-31T01:00+0900", "2018-05-30T16:00Z", "2018-05-30T16:00:00.000Z",
     "2018-05-30T18:00:00.000000+02:00", "Thu, 31 May 2018 01:00:00 +0900"],
)
def test_date_forms_become_exact_utc_instants(tmp_path, stamp):
    path = write_feed(tmp_path / "feed.jsonl", [{"text": prose(3), "pubDate": stamp}])
    [record] = load(path).records
    assert record.document.published == datetime(2018, 5, 30, 16, 0, tzinfo=UTC)


def test_record_numbers_are_file_lines_and_malformed_lines_are_skipped_with_file_and_line(tmp_path):
    lines = [json.dumps({"text": prose(1)}), "", '{"text": oops}', "[1, 2]", json.dumps({"title": "no text"}),
             json.dumps({"body": prose(2)})]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    loaded = load(path)
    assert [r.number for r in loaded.records] == [1, 6]
    assert [(s.path, s.reason.split(" (")[0]) for s in loaded.skipped] == [
        ("feed.jsonl:3", "invalid JSON"),
        ("feed.jsonl:4", "not a JSON object"),
        ("feed.jsonl:5", "record has no text"),
    ]


def test_malformed_line_warning_names_file_and_line_and_the_rest_is_scanned(run_cli, tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "day.jsonl").write_text(json.dumps({"text": prose(1)}) + "\n{not json\n" + json.dumps({"text": prose(2)}) + "\n")
    result = run_cli("scan", str(feeds))
    assert result.code == 0
    assert "warning: day.jsonl:2: invalid JSON (Expecting property name enclosed in double quotes at column 2)" in result.err
    assert "2 added" in result.out and "1 skipped" in result.out


def test_a_json_message_ending_in_at_is_not_doubled(run_cli, tmp_path):
    (tmp_path / "day.jsonl").write_text('{"text": "unterminated\n')
    result = run_cli("scan", "day.jsonl")
    assert "invalid JSON (Unterminated string starting at column 10)" in result.err
    assert "at at" not in result.err


def test_field_names_can_be_overridden(tmp_path):
    path = write_feed(tmp_path / "feed.jsonl", [{"story": prose(4), "when": "2020-02-02T10:00Z", "text": "decoy"}])
    fields = FeedFields().with_overrides(text="story", date="when")
    [record] = load(path, fields_=fields).records
    assert record.document.text == prose(4)
    assert record.document.published == datetime(2020, 2, 2, 10, tzinfo=UTC)
    with pytest.raises(ConfigError, match="unknown feed field role"):
        FeedFields().with_overrides(colour="x")


def test_cli_field_options_reach_the_feed_reader(run_cli, tmp_path):
    write_feed(tmp_path / "in" / "feed.jsonl", [{"story": prose(4)}])
    assert "no record has a text field" in run_cli("scan", str(tmp_path / "in")).err
    result = run_cli("scan", str(tmp_path / "in"), "--text-field", "story", "--index", "other.sqlite")
    assert result.code == 0 and "1 added" in result.out


def test_a_file_without_a_text_column_is_skipped_whole(tmp_path):
    path = write_feed(tmp_path / "feed.csv", [{"headline": "x", "date": "2020-01-01"}])
    with pytest.raises(InputError, match=r"no text column \(looked for text, content, body; the file has headline, date\)"):
        load(path)


def test_csv_rows_may_span_lines_and_locations_follow_them(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text('text,date\n"two\nlines",2020-01-01\n\nplain,2020-01-02\n,2020-01-03\n')
    loaded = load(path)
    assert [(r.number, r.document.text) for r in loaded.records] == [(1, "two\nlines"), (3, "plain")]
    assert [s.path for s in loaded.skipped] == ["feed.csv:6"]
    assert record_line_spans(path) == {1: (2, 3), 2: (4, 4), 3: (5, 5), 4: (6, 6)}


def test_parquet_datetime_columns_are_instants(tmp_path):
    path = tmp_path / "feed.parquet"
    moment = datetime(2020, 3, 1, 12, 30, tzinfo=UTC)
    pl.DataFrame({"content": [prose(5)], "published": [moment]}).write_parquet(path)
    [record] = load(path).records
    assert record.document.published == moment and record_line_spans(path) == {}


def test_folders_yield_feeds_beside_text_files(tmp_path):
    (tmp_path / "a.txt").write_text("T\n\nbody")
    write_feed(tmp_path / "b.jsonl", RECORDS)
    (tmp_path / "c.json").write_text("{}")
    assert [s.display for s in iter_sources([tmp_path])] == ["a.txt", "b.jsonl"]
    assert is_feed("x.JSONL.gz") and is_feed("x.parquet") and not is_feed("x.json")


def _scan(index_path: Path, paths: list[Path]):
    with Index.open(index_path) as index:
        summary = scan(paths, index, ScanOptions())
        return summary, build_report(index, include_text=True)


def test_offsets_slice_the_record_text_and_timezones_decide_the_origin(tmp_path):
    # Listed second and stamped later on the wall clock, but 4 hours earlier in UTC.
    later = {"text": f"{prose(30)}\n\n{SHARED}", "published": "2018-05-30T20:00-04:00", "url": "https://ny.example/b"}
    earlier = {"text": f"{SHARED}\n\n{prose(31)}", "published": "2018-05-31T01:00+09:00", "url": "https://tokyo.example/a"}
    path = write_feed(tmp_path / "feeds" / "day.jsonl", [later, earlier])
    _, report = _scan(tmp_path / "ix.sqlite", [path.parent])
    [reuse] = report["reuses"]
    assert (reuse["origin"]["path"], reuse["copy"]["path"]) == ("day.jsonl#2", "day.jsonl#1")
    assert reuse["origin"]["published"] == "2018-05-30T16:00:00Z" and reuse["copy"]["published"] == "2018-05-31T00:00:00Z"
    assert reuse["copy"]["text"] == later["text"][reuse["copy"]["start"] : reuse["copy"]["end"]] == SHARED
    assert reuse["origin"]["text"] == earlier["text"][reuse["origin"]["start"] : reuse["origin"]["end"]] == SHARED


def test_rescans_keep_unchanged_records_and_replace_or_drop_the_rest(tmp_path):
    feed = tmp_path / "feeds" / "day.jsonl"
    records = [{"text": prose(n), "url": f"https://s.example/{n}"} for n in (1, 2, 3)]
    write_feed(feed, records)
    first, _ = _scan(tmp_path / "ix.sqlite", [feed.parent])
    assert (first.seen, first.added) == (3, 3)
    again, _ = _scan(tmp_path / "ix.sqlite", [feed.parent])
    assert (again.seen, again.added, again.changed, again.unchanged) == (3, 0, 0, 3)
    write_feed(feed, [records[0], {"text": prose(9), "url": "https://s.example/9"}])  # record 2 edited, 3 gone
    summary, report = _scan(tmp_path / "ix.sqlite", [feed.parent])
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (0, 1, 1, 1)
    assert [d["path"] for d in report["documents"]] == ["day.jsonl#1", "day.jsonl#2"]
    with Index.open(tmp_path / "ix.sqlite") as index:
        assert sorted(index.stored_documents()) == [f"{feed.resolve()}#1", f"{feed.resolve()}#2"]
    feed.unlink()
    with Index.open(tmp_path / "ix.sqlite") as index:
        scan([tmp_path / "feeds"], index, ScanOptions(prune=True))
        assert index.stored_documents() == {}


def test_a_feed_that_stops_parsing_keeps_its_stored_records(tmp_path):
    feed = write_feed(tmp_path / "feeds" / "day.jsonl", RECORDS)
    _scan(tmp_path / "ix.sqlite", [feed.parent])
    feed.write_text("{broken\n")
    summary, report = _scan(tmp_path / "ix.sqlite", [feed.parent])
    assert [s.reason for s in summary.skipped] == ["no usable record (1 malformed; first: line 1: invalid JSON (Expecting property name enclosed in double quotes at column 2))"]
    assert len(report["documents"]) == 2


def test_gzip_bombs_are_refused_by_the_size_limit(tmp_path):
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps({"text": "word " * 1000}) + "\n").encode() * 200))
    with pytest.raises(InputError, match="decompresses to more than --max-file-size"):
        load(path, max_size=100_000)
