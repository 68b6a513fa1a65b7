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
