"""CLI contracts: exit codes, one-line errors, help with examples for every command."""

from __future__ import annotations

import pytest

from provenance import __version__
from provenance.cli import cli, main
from tests.conftest import prose


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


@pytest.mark.parametrize("command", cli.list_commands(None))
def test_every_command_has_help_with_an_example(run_cli, command):
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "Example" in result.out and f"provenance {command}" in result.out


def test_scan_then_report_text_shows_origin_and_copy(run_cli, seeds_dir):
    scanned = run_cli("scan", str(seeds_dir))
    assert scanned.code == 0 and "5 added" in scanned.out
    report = run_cli("report")
    assert report.code == 0
    assert "ORIGIN cnn.com · Russia's foreign minister is headed to North Korea" in report.out  # outlet · headline
    assert "000_ab536e0c04d75c66.txt" in report.out and "002_b5b547b9f015d507.txt" in report.out
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


@pytest.mark.parametrize("command", cli.list_commands(None))
def test_every_command_takes_quiet_and_config(run_cli, command):
    help_text = run_cli(command, "--help").out
    assert "-q, --quiet" in help_text and "--config FILE" in help_text


def test_quiet_leaves_only_the_requested_output(run_cli, seeds_dir):
    assert run_cli("scan", str(seeds_dir), "-q").out == ""
    assert run_cli("doctor", "--quick", "--quiet").out == ""
    assert run_cli("report", "-q", "--format", "json").json()["summary"]["reuses"] == 5
    assert run_cli("trace", "-q", str(seeds_dir / "002_b5b547b9f015d507.txt")).out.count("first seen in") == 5
    assert run_cli("baseline", str(seeds_dir), "-q").out == ""
    checked = run_cli("check", str(seeds_dir), "-q", "-o", "check.txt", "--index", "absent.sqlite")
    assert (checked.code, checked.out, checked.err) == (1, "", "")


def test_scan_json_summary(run_cli, seeds_dir):
    result = run_cli("scan", str(seeds_dir), "--json")
    assert result.code == 0
    assert result.json() == {"index": "provenance.sqlite", "seen": 5, "added": 5, "changed": 0, "unchanged": 0,
                             "removed": 0, "matches": result.json()["matches"], "findings": 5, "skipped": []}
    (seeds_dir / "bin.txt").write_bytes(b"\x00binary")
    again = run_cli("scan", str(seeds_dir), "--json", "-q")
    assert again.json()["unchanged"] == 5 and again.json()["skipped"] == [{"path": "bin.txt", "reason": "binary file (NUL byte in the first 8 KiB)"}]


@pytest.mark.parametrize("content", [None, "notes.json"])
def test_a_folder_without_articles_is_an_error_naming_what_is_read(run_cli, tmp_path, content):
    (tmp_path / "empty").mkdir()
    if content:
        (tmp_path / "empty" / content).write_text("{}")
    result = run_cli("scan", "empty")
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: no articles found under empty (read: .txt .md .jsonl .ndjson .jsonl.gz .ndjson.gz .csv .parquet)\n"


def test_an_empty_folder_beside_articles_is_a_warning_and_strict_fails_on_it(run_cli, seeds_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("scan", str(seeds_dir), "empty")
    assert result.code == 0 and "5 added" in result.out and "1 skipped" in result.out
    assert result.err == "warning: empty: no articles found here (read: .txt .md .jsonl .ndjson .jsonl.gz .ndjson.gz .csv .parquet)\n"
    assert run_cli("scan", str(seeds_dir), "empty", "--strict").code == 2
    assert run_cli("scan", "empty", "--prune").code == 0  # pruning an emptied folder is what prune is for


def test_a_named_json_array_is_refused_in_one_line(run_cli, tmp_path):
    (tmp_path / "records.json").write_text('[{"text": "An article in a JSON array."}]')
    result = run_cli("scan", "records.json")
    assert result.code == 2
    assert result.err == ("error: records.json: a JSON file is not read (an article is .txt/.md; a feed is JSON Lines, "
                          "one record per line); convert an array of records with: jq -c '.[]' records.json > records.jsonl\n")


def test_default_timezone_takes_fixed_offsets(run_cli, tmp_path, write_article):
    write_article("a.txt", "https://one.example/a", "2020-01-01 10:00:00", "A", [prose(1)])
    assert run_cli("scan", "corpus", "--default-timezone", "UTC+05:30").code == 0
    assert run_cli("report", "--format", "json").json()["documents"][0]["published"] == "2020-01-01T04:30:00Z"


def test_shell_completion_script(monkeypatch, capsys):
    monkeypatch.setenv("_PROVENANCE_COMPLETE", "bash_source")
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 0 and "_provenance_completion()" in capsys.readouterr().out
