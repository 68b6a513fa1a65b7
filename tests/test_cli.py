"""CLI contracts: exit codes, one-line errors, help with examples for every command."""

from __future__ import annotations

import pytest

from provenance import __version__
from provenance.cli import cli


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(run_cli, command):
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "Example" in result.out and f"provenance {command}" in result.out


def test_scan_then_report_text_shows_origin_and_copy(run_cli, seeds_dir):
    scanned = run_cli("scan", str(seeds_dir))
    assert scanned.code == 0 and "5 added" in scanned.out
    report = run_cli("report")
    assert report.code == 0
    assert "ORIGIN 000_ab536e0c04d75c66.txt" in report.out and "002_b5b547b9f015d507.txt" in report.out
    assert "\x1b[" not in report.out  # no colour when not a terminal


def test_report_writes_a_file(run_cli, seeds_dir, tmp_path):
    run_cli("scan", str(seeds_dir))
    result = run_cli("report", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert result.code == 0 and result.out == ""
    assert (tmp_path / "r.json").read_text().startswith("{")


def test_trace_marks_reused_and_original_passages(run_cli, seeds_dir):
    run_cli("scan", str(seeds_dir))
    result = run_cli("trace", str(seeds_dir / "002_b5b547b9f015d507.txt"))
    assert result.code == 0
    assert result.out.count("first seen in 000_ab536e0c04d75c66.txt (2018-05-30T00:00:00Z)") == 5
    assert "original here" in result.out
    as_json = run_cli("trace", "002_b5b547b9f015d507.txt", "--format", "json").json()
    assert sum(1 for p in as_json["passages"] if p["status"] == "reused") == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "does-not-exist"), "does-not-exist: no such file or directory"),
        (("report",), "no index here yet"),
        (("trace", "x.txt"), "no index here yet"),
        (("scan", ".", "--default-timezone", "Nowhere/Land"), "unknown time zone"),
        (("scan", ".", "--min-similarity", "1.5"), "min_similarity"),
        (("scan",), "Missing argument"),
        (("report", "--format", "yaml"), "Invalid value"),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(run_cli, args, message):
    result = run_cli(*args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err and result.err.strip().count("\n") <= 3


def test_non_index_file_and_config_mismatch_are_refused(run_cli, seeds_dir, tmp_path):
    (tmp_path / "bogus.sqlite").write_text("not a database")
    result = run_cli("report", "--index", str(tmp_path / "bogus.sqlite"))
    assert result.code == 2 and "not a passage-provenance index" in result.err
    run_cli("scan", str(seeds_dir))
    result = run_cli("scan", str(seeds_dir), "--shingle-size", "4")
    assert result.code == 2 and "shingle.size" in result.err and "new --index" in result.err


def test_index_location_from_environment(run_cli, seeds_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PROVENANCE_INDEX", str(tmp_path / "env.sqlite"))
    assert run_cli("scan", str(seeds_dir)).code == 0
    assert (tmp_path / "env.sqlite").exists()
    assert run_cli("report", "--format", "json").json()["summary"]["reuses"] == 5


def test_unreadable_file_is_skipped_with_a_warning(run_cli, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bin.txt").write_bytes(b"\x00\x01binary")
    (corpus / "ok.txt").write_text("Title\n\nA perfectly ordinary paragraph of several words here.")
    result = run_cli("scan", str(corpus))
    assert result.code == 0
    assert "warning: bin.txt: binary file" in result.err and "1 skipped" in result.out
