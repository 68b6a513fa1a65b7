"""``provenance report``: formats, filters, files and ``--open`` through the CLI."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest


@pytest.fixture
def scanned(run_cli, seeds_dir):
    assert run_cli("scan", str(seeds_dir)).code == 0
    return run_cli


@pytest.mark.parametrize(
    ("fmt", "opening"),
    [("markdown", "## Passage provenance report"), ("csv", "origin_path,origin_url"), ("html", "<!DOCTYPE html>"),
     ("json", "{"), ("text", "passage-provenance report")],
)
def test_every_format_to_stdout_and_to_a_file(scanned, tmp_path, fmt, opening):
    result = scanned("report", "--format", fmt)
    assert result.code == 0, result.err
    assert result.out.startswith(opening)
    target = tmp_path / f"report.{fmt}"
    assert scanned("report", "--format", fmt, "-o", str(target)).code == 0
    assert target.read_text(encoding="utf-8") == result.out


def test_filters_apply_to_every_format(scanned):
    text = scanned("report", "--origin", "000_*", "--copy", "002_*", "--limit", "2")
    assert text.code == 0 and "showing 2 of 5 reuses" in text.out
    assert len(scanned("report", "--format", "json", "--limit", "3").json()["reuses"]) == 3
    csv = scanned("report", "--format", "csv", "--copy", "000_*")
    assert csv.out.count("\n") == 1  # header only: nothing copies from the origin's path
    assert "Showing 1 of 5" in scanned("report", "--format", "markdown", "--limit", "1").out


def test_open_writes_a_temporary_file_and_opens_it(scanned, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    result = scanned("report", "--open")
    assert result.code == 0, result.err
    assert len(opened) == 1 and opened[0].startswith("file://") and opened[0].endswith(".html")
    path = Path(result.out.strip().removeprefix("Report written to "))
    assert path.as_uri() == opened[0]
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    path.unlink()


def test_open_with_output_file_and_without_a_browser(scanned, monkeypatch, tmp_path):
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    target = tmp_path / "r.html"
    result = scanned("report", "--open", "-o", str(target), "--format", "html")
    assert result.code == 0 and "no browser could be started" in result.out
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_open_refuses_another_format(scanned, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: pytest.fail("must not open"))
    result = scanned("report", "--open", "--format", "csv")
    assert result.code == 2 and "--open shows the HTML report" in result.err


def test_open_reports_an_unwritable_file_in_one_line(scanned, monkeypatch, tmp_path):
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: pytest.fail("must not open"))
    result = scanned("report", "--open", "-o", str(tmp_path / "missing-dir" / "r.html"))
    assert result.code == 2 and "cannot write the HTML report" in result.err and "Traceback" not in result.err


def test_schema_is_printed_from_the_package_without_an_index(run_cli, tmp_path):
    import json

    from provenance.report.schema import report_schema_text

    result = run_cli("report", "--schema")
    assert (result.code, result.err) == (0, "")
    assert result.out == report_schema_text() and json.loads(result.out)["title"].startswith("passage-provenance report")
    assert run_cli("report", "--schema", "-o", str(tmp_path / "s.json")).out == ""
    assert (tmp_path / "s.json").read_text() == report_schema_text()


def test_json_for_the_existing_flags_is_the_report_model(scanned, tmp_path):
    from provenance import Index
    from provenance.report.model import build_report, to_json
    from provenance.report.select import ReuseFilter, select_reuses

    with Index.open(tmp_path / "provenance.sqlite", readonly=True) as index:
        report = build_report(index)
        with_text = build_report(index, include_text=True)
    assert scanned("report", "--format", "json").out == to_json(report)
    assert scanned("report", "--format", "json", "--include-text").out == to_json(with_text)
    limited = scanned("report", "--format", "json", "--origin", "000_*", "--limit", "2").out
    assert limited == to_json(select_reuses(report, ReuseFilter(origin="000_*", limit=2)))


@pytest.mark.parametrize(
    ("flags", "count"),
    [
        (["--kind", "verbatim"], 3),
        (["--kind", "verbatim", "--kind", "contained"], 4),
        (["--min-similarity", "0.75"], 4),
        (["--since", "2018-05-31"], 5),
        (["--until", "2018-05-30"], 0),  # the copies are a day later
        (["--until", "2018-05-31T00:00Z"], 5),
        (["--outlet", "cnn.com"], 5),
        (["--outlet", "bbc*"], 0),
        (["--outlet", "CNN.*", "--kind", "near-duplicate", "--since", "2018-05-01"], 1),
        (["--limit", "0"], 5),
    ],
)
def test_new_filters(scanned, flags, count):
    result = scanned("report", "--format", "json", *flags)
    assert result.code == 0, result.err
    assert len(result.json()["reuses"]) == count


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--since", "yesterday"], "write 2021-03-04"),
        (["--kind", "copied"], "'copied' is not one of"),
        (["--min-similarity", "2"], "2"),
        (["--since", "2018-06-01", "--until", "2018-05-01"], "swap them"),
    ],
)
def test_bad_filters_are_usage_errors(scanned, flags, message):
    result = scanned("report", *flags)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


def test_csv_include_text_and_parquet(scanned, tmp_path):
    import io

    import polars as pl

    from provenance.report.csv_report import CSV_COLUMNS, TEXT_COLUMNS

    plain = pl.read_csv(io.StringIO(scanned("report", "--format", "csv").out))
    with_text = pl.read_csv(io.StringIO(scanned("report", "--format", "csv", "--include-text").out))
    assert plain.columns == list(CSV_COLUMNS) and with_text.columns == [*CSV_COLUMNS, *TEXT_COLUMNS]
    seeds = tmp_path / "seeds"
    for row in with_text.iter_rows(named=True):
        copy = (seeds / row["copy_path"]).read_text(encoding="utf-8")
        assert row["copy_text"] == copy[row["copy_start"] : row["copy_end"]]
    assert set(with_text["copy_title"]) == {"Russian foreign minister meets Kim Jong Un, calls for lifting of sanctions"}

    target = tmp_path / "reuses.parquet"
    result = scanned("report", "--format", "parquet", "-o", str(target), "--kind", "verbatim")
    assert (result.code, result.out) == (0, "")
    frame = pl.read_parquet(target)
    assert frame.columns == [*CSV_COLUMNS, *TEXT_COLUMNS] and frame.height == 3
    assert frame.schema["copy_published"] == pl.Datetime("us", "UTC") and frame["lag_seconds"].to_list() == [86_400] * 3
    assert frame.drop("origin_published", "copy_published").equals(
        with_text.filter(pl.col("kind") == "verbatim").drop("origin_published", "copy_published"))


def test_html_to_a_folder_writes_a_site(scanned, tmp_path):
    result = scanned("report", "--format", "html", "-o", "site/")
    assert result.code == 0, result.err
    assert result.out.startswith("Report site written to site/index.html (3 pages")
    assert (tmp_path / "site" / "origins" / "o00001.html").is_file()
    (tmp_path / "existing").mkdir()
    assert scanned("report", "--format", "html", "-o", "existing", "-q").out == ""  # an existing folder needs no slash
    assert (tmp_path / "existing" / "index.html").is_file()
    refused = scanned("report", "--format", "csv", "-o", "site/")
    assert refused.code == 2 and "only --format html writes" in refused.err


def test_a_big_single_page_is_refused_with_a_hint(scanned, monkeypatch, tmp_path):
    from provenance.report import render

    monkeypatch.setattr(render, "SINGLE_PAGE_LIMIT", 20_000)
    result = scanned("report", "--format", "html", "-o", "report.html")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "too big for one page (limit 0.02 MB)" in result.err and "-o DIR/" in result.err
    assert not (tmp_path / "report.html").exists()
    assert scanned("report", "--format", "html").code == 2  # to stdout too

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    result = scanned("report", "--open")  # --open alone falls back to a temporary site
    assert result.code == 0 and result.out.startswith("Report site written to") and opened[0].endswith("/index.html")


def test_limit_zero_shows_every_origin_in_the_text_view(scanned):
    out = scanned("report", "--limit", "0").out
    assert out.count("ORIGIN ") == 1 and "showing" not in out and "more — use --limit 0" not in out
