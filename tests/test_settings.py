"""One configuration for every command: flag > environment variable > config file > default."""

from __future__ import annotations

import json

import pytest

from provenance import Index
from provenance.errors import ConfigError
from provenance.settings import ConfigFile, matching_config, read_config
from tests.conftest import prose


@pytest.fixture
def corpus(write_article, tmp_path):
    write_article("a.txt", "https://one.example/a", "2020-01-01 10:00:00", "A", [prose(1), prose(2)])
    write_article("b.txt", "https://two.example/b", "2020-01-02 10:00:00", "B", [prose(3), prose(2)])
    return tmp_path


def test_the_config_files_index_is_every_commands_index(run_cli, corpus):
    (corpus / "provenance.toml").write_text('index = "news.sqlite"\n')
    scanned = run_cli("scan", "corpus")
    assert scanned.code == 0 and scanned.out.endswith("in the index news.sqlite. Next: provenance report\n")
    assert (corpus / "news.sqlite").exists() and not (corpus / "provenance.sqlite").exists()
    assert run_cli("report", "--format", "json").json()["summary"]["reuses"] == 1
    assert run_cli("trace", "corpus/b.txt").out.count("first seen in a.txt") == 1
    assert run_cli("doctor", "--quick").out.startswith("news.sqlite: OK (2 documents")
    assert run_cli("check", "corpus/b.txt").code == 1


def test_flag_beats_environment_beats_config_file_beats_default(run_cli, corpus, monkeypatch):
    (corpus / "provenance.toml").write_text('index = "file.sqlite"\n')
    assert run_cli("scan", "corpus", "--index", "flag.sqlite").code == 0
    monkeypatch.setenv("PROVENANCE_INDEX", "env.sqlite")
    assert run_cli("scan", "corpus").code == 0
    monkeypatch.delenv("PROVENANCE_INDEX")
    assert run_cli("scan", "corpus").code == 0
    (corpus / "provenance.toml").unlink()
    assert run_cli("scan", "corpus").code == 0
    assert sorted(p.name for p in corpus.glob("*.sqlite")) == ["env.sqlite", "file.sqlite", "flag.sqlite", "provenance.sqlite"]


def test_config_option_reads_a_file_elsewhere_with_paths_relative_to_it(run_cli, corpus):
    (corpus / "ci").mkdir()
    (corpus / "ci" / "settings.toml").write_text('index = "ci.sqlite"\n[matching]\nmin-words = 10\n')
    assert run_cli("scan", "corpus", "--config", "ci/settings.toml").code == 0
    with Index.open(corpus / "ci" / "ci.sqlite", readonly=True) as index:
        assert index.config.segment.min_words == 10
    assert run_cli("doctor", "--config", "ci/settings.toml", "--quick").out.startswith("ci/ci.sqlite: OK")
    (corpus / "ci" / "pyproject.toml").write_text('[tool.passage-provenance]\nindex = "py.sqlite"\n')
    assert run_cli("scan", "corpus", "--config", "ci/pyproject.toml").code == 0
    assert (corpus / "ci" / "py.sqlite").exists()


def test_matching_table_builds_the_index_and_flags_win(run_cli, corpus):
    (corpus / "provenance.toml").write_text("[matching]\nmin-words = 9\nshingle-size = 4\n")
    assert run_cli("scan", "corpus", "--min-words", "12").code == 0
    with Index.open(corpus / "provenance.sqlite", readonly=True) as index:
        assert (index.config.segment.min_words, index.config.shingle.size) == (12, 4)


def test_readers_warn_when_the_matching_table_differs_from_the_index(run_cli, corpus):
    assert run_cli("scan", "corpus").code == 0
    (corpus / "provenance.toml").write_text("[matching]\nmin-words = 9\n")
    report = run_cli("report", "--format", "json")
    assert report.code == 0 and report.json()["summary"]["documents"] == 2
    assert report.err == (
        "warning: provenance.sqlite was built with other matching options than provenance.toml's [matching] "
        "(segment.min_words: index has 8, asked for 9); 'provenance scan' refuses it until you rebuild into a "
        "fresh --index\n"
    )
    refused = run_cli("scan", "corpus")
    assert refused.code == 2 and "segment.min_words: index has 8, asked for 9" in refused.err


def test_scan_reads_timezone_and_feed_fields_from_the_config_file(run_cli, tmp_path):
    (tmp_path / "feed.jsonl").write_text(json.dumps({"story": prose(5), "when": "2020-01-01 10:00:00"}) + "\n")
    (tmp_path / "provenance.toml").write_text('default-timezone = "+02:00"\ntext-field = "story"\ndate-field = "when"\n')
    assert run_cli("scan", "feed.jsonl").code == 0
    assert run_cli("report", "--format", "json").json()["documents"][0]["published"] == "2020-01-01T08:00:00Z"


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (("--config", "nope.toml"), None, "error: nope.toml: no such config file (--config)"),
        ((), "[matching]\nminwords = 3\n", "error: provenance.toml: unknown key 'minwords' in [matching]; known keys: shingle-size,"),
        ((), "[matching]\nmin-words = 'ten'\n", "error: provenance.toml: [matching] min-words must be an integer, got 'ten'"),
        ((), "[matching]\nmin-words = 1\n", "error: provenance.toml: [matching]: min_words must be at least 3, got 1"),
        ((), "index = 3\n", "error: provenance.toml: index must be a non-empty string, got 3"),
    ],
)
def test_bad_settings_exit_2_naming_file_and_key(run_cli, corpus, args, content, message):
    if content:
        (corpus / "provenance.toml").write_text(content)
    result = run_cli("scan", "corpus", *args)
    assert result.code == 2 and result.err.startswith(message), result.err


def test_check_and_baseline_take_config_too(run_cli, corpus):
    (corpus / "ci.toml").write_text('max-reused-share = 0.9\n')
    assert run_cli("check", "corpus", "--index", "absent.sqlite").code == 1
    assert run_cli("check", "corpus", "--index", "absent.sqlite", "--config", "ci.toml").code == 0
    assert run_cli("baseline", "corpus", "--config", "ci.toml", "--index", "absent.sqlite").code == 0


def test_library_reads_and_overlays(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.passage-provenance.matching]\nnum-perm = 64\n")
    found = read_config(directory=tmp_path)
    assert found == ConfigFile({}, {"num_perm": 64}, "pyproject.toml")
    assert matching_config(found, {"seed": 7}).minhash.num_perm == 64
    assert matching_config(ConfigFile(), {}) is None
    with pytest.raises(ConfigError, match="no such config file"):
        read_config(tmp_path / "missing.toml")
