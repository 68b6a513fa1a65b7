"""Bad files in a scanned folder are skipped with one warning each; the scan goes on."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from tests.conftest import article, prose

GOOD = article("https://ok.example/2020/01/01/x/", "2020-01-01 10:00:00", "Good", [prose(1), prose(2)])
HTML = (
    "<!DOCTYPE html><html><head><title>Saved page</title><script>var x = 1;</script></head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>Saved page</h1><p>" + prose(3) + "</p><p>" + prose(4) + "</p></article></body></html>"
)


def _messy_folder(root: Path) -> dict[str, str]:
    """Create every kind of bad input; return {display path: expected reason fragment}."""
    root.mkdir()
    (root / "good.txt").write_text(GOOD)
    (root / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00binary zip")
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.md").write_text(" \n\n\t\n")
    (root / "big.txt").write_bytes(b"word " * (1024 * 1024 // 5 + 10))
    (root / "encoding.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d caf\xe9 " * 20)
    os.symlink(root / "missing-target.txt", root / "dangling.txt")
    os.symlink(root / "loop.txt", root / "loop.txt")
    (root / "folder.txt").mkdir()
    (root / "folder.txt" / "inside.txt").write_text(article(None, None, "Inside", [prose(5)]))
    for odd in ("with space.txt", "ünïcödé 😀.txt", 'quote"and\'s.txt', "new\nline.txt"):
        (root / odd).write_text(article(None, None, "Odd", [prose(len(odd))]))
    (root / "page.txt").write_text(HTML)
    return {
        "binary.txt": "binary file",
        "empty.txt": "empty file",
        "blank.md": "empty file",
        "big.txt": "larger than --max-file-size",
        "encoding.txt": "unknown encoding",
        "dangling.txt": "broken symlink",
        "loop.txt": "symlink loop",
    }


def test_each_bad_file_is_skipped_with_one_warning_and_the_scan_goes_on(run_cli, tmp_path):
    expected = _messy_folder(tmp_path / "messy")
    result = run_cli("scan", str(tmp_path / "messy"), "--max-file-size", "1")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(expected), warnings
    for path, reason in expected.items():
        assert any(line.startswith(f"warning: {path}: ") and reason in line for line in warnings), (path, warnings)
    assert f"{len(expected)} skipped" in result.out
    assert "Traceback" not in result.err
    documents = {d["path"] for d in run_cli("report", "--format", "json").json()["documents"]}
    assert {"good.txt", "folder.txt/inside.txt", "with space.txt", "ünïcödé 😀.txt", 'quote"and\'s.txt', "new\nline.txt", "page.txt"} == documents


def test_strict_turns_skips_into_exit_2_without_losing_what_was_indexed(run_cli, tmp_path):
    _messy_folder(tmp_path / "messy")
    result = run_cli("scan", str(tmp_path / "messy"), "--strict")
    assert result.code == 2 and "--strict" in result.err
    assert len(run_cli("report", "--format", "json").json()["documents"]) >= 1


def test_html_page_is_extracted_to_article_text(run_cli, tmp_path):
    pytest.importorskip("trafilatura")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "page.txt").write_text(HTML)
    assert run_cli("scan", str(tmp_path / "c")).code == 0
    [document] = run_cli("report", "--format", "json").json()["documents"]
    assert document["encoding"] == "utf-8+html" and document["passages"] >= 1


def test_html_page_without_an_extractor_is_skipped_with_a_hint(run_cli, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_trafilatura(name, *args, **kwargs):
        if name == "trafilatura":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_trafilatura)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "page.txt").write_text(HTML)
    result = run_cli("scan", str(tmp_path / "c"))
    assert result.code == 0
    assert "warning: page.txt: HTML page, not article text (install 'passage-provenance[html]'" in result.err


def test_unreadable_file_is_skipped(run_cli, tmp_path, monkeypatch):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "secret.txt").write_text(GOOD)
    (tmp_path / "c" / "open.txt").write_text(article(None, None, "Open", [prose(9)]))
    real_read = Path.read_bytes

    def guarded(self: Path) -> bytes:
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    result = run_cli("scan", str(tmp_path / "c"))
    assert result.code == 0 and "warning: secret.txt: cannot read (Permission denied)" in result.err
