"""``trace``: one article (or FILE#N of a feed), and a warning when the file moved on."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import prose

SHARED = prose(1, sentences=3)


@pytest.fixture
def scanned(run_cli, tmp_path, write_article):
    write_article("a.txt", "https://one.example/a", "2020-01-01 10:00:00", "A", [prose(10), SHARED])
    records = [{"text": f"{prose(20)}\n\n{SHARED}", "published": "2020-01-02T10:00:00Z"}, {"text": prose(30)}]
    (tmp_path / "corpus" / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert run_cli("scan", "corpus").code == 0
    return tmp_path / "corpus"


def test_a_folder_or_a_feed_file_asks_for_one_article(run_cli, scanned):
    folder = run_cli("trace", "corpus")
    assert (folder.code, folder.err) == (2, "error: corpus: a folder; give one article, or FILE#N for record N of a feed\n")
    feed = run_cli("trace", "corpus/feed.jsonl")
    assert feed.code == 2
    assert feed.err == ("error: corpus/feed.jsonl: a feed file holds many articles; give one article, or FILE#N "
                        "(corpus/feed.jsonl#1 is its first record)\n")


def test_a_feed_record_is_traced_as_file_hash_n(run_cli, scanned):
    result = run_cli("trace", "corpus/feed.jsonl#1")
    assert result.code == 0 and result.err == ""
    assert result.out.startswith("feed.jsonl#1") and "first seen in a.txt" in result.out


def test_a_file_changed_since_the_scan_is_traced_as_scanned_with_a_warning(run_cli, scanned):
    article = scanned / "a.txt"
    os.utime(article, ns=(0, 0))  # touched, same bytes: not a change
    assert run_cli("trace", "corpus/a.txt").err == ""
    article.write_text(article.read_text() + "\n\nA paragraph added after the scan.\n")
    result = run_cli("trace", "corpus/a.txt")
    assert result.code == 0 and "original here, reused 1 time(s) elsewhere" in result.out
    assert result.err == ("warning: corpus/a.txt: the file changed since it was scanned; this trace shows the scanned "
                          "version (rescan it with 'provenance scan')\n")
    assert run_cli("trace", "corpus/a.txt", "--format", "json").json()["changed_since_scan"] == "the file changed since it was scanned"
    (scanned / "feed.jsonl").write_text(json.dumps({"text": prose(40)}) + "\n")
    assert "the feed file changed since it was scanned" in run_cli("trace", "corpus/feed.jsonl#2").err
    article.unlink()
    assert "the file is gone or unreadable since it was scanned" in run_cli("trace", "a.txt").err


def _folder_state(folder) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def test_text_on_stdin_is_traced_to_where_it_was_first_seen_without_adding_it(run_cli, scanned, tmp_path, monkeypatch):
    import io

    before = _folder_state(tmp_path)
    from tests.conftest import article

    text = article("https://two.example/b", "2020-03-01 10:00:00", "B", [prose(50), SHARED])
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    result = run_cli("trace", "-", "--format", "json")
    assert result.code == 0, result.err
    traced = result.json()
    assert traced["path"] == "-" and traced["indexed"] is False
    assert [p["status"] for p in traced["passages"]] == ["original", "reused"]
    assert traced["passages"][1]["sources"][0]["path"] == "a.txt"
    assert _folder_state(tmp_path) == before  # the index unchanged, nothing beside it
    assert run_cli("report", "--format", "json").json()["summary"]["documents"] == 3


def test_a_file_not_in_the_index_is_traced_with_a_note(run_cli, scanned, tmp_path, write_article):
    article = write_article("c.txt", "https://three.example/c", "2019-12-01 10:00:00", "C", [SHARED, prose(60)],
                            root=tmp_path / "new")
    result = run_cli("trace", str(article))
    assert result.code == 0 and result.err == f"note: {article} is not in the index; traced as if scanned, without adding it\n"
    assert "original here, reused 2 time(s) elsewhere" in result.out  # dated before both indexed copies
    missing = run_cli("trace", "new/nothing.txt")
    assert missing.code == 2 and "not in the index and no such file" in missing.err


def test_empty_stdin_is_an_input_error(run_cli, scanned, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    result = run_cli("trace", "-")
    assert result.code == 2 and result.err.startswith("error: -: nothing to trace") and result.err.count("\n") == 1
