"""Display paths relative to one root per index: the rule's pure parts."""

from __future__ import annotations

import os

import pytest

from provenance.errors import InputError
from provenance.ingest.roots import (
    common_root,
    input_base,
    legacy_base,
    prefix,
    rebase,
    rebased_paths,
    settle_root,
)


def test_a_folder_is_its_own_base_and_a_named_file_gives_its_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    assert input_base(tmp_path / "a") == str((tmp_path / "a").resolve())
    assert input_base(tmp_path / "a" / "x.txt") == str((tmp_path / "a").resolve())


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlinked_folder_gives_the_same_base_as_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert input_base(tmp_path / "link") == input_base(tmp_path / "real")


def test_the_root_moves_up_to_the_common_folder_and_paths_gain_the_folders_between():
    assert common_root(["/data/news/a", "/data/news/b/c"]) == "/data/news"
    assert prefix("/data/news", "/data/news") == ""
    assert rebase("x.txt", "/data/news/b/c", "/data/news") == "b/c/x.txt"
    assert rebase("feed.jsonl#3", "/data/news/a", "/data") == "news/a/feed.jsonl#3"


def test_stored_paths_change_only_when_their_base_is_below_the_new_root():
    documents = [(1, "x.txt", "/data/a"), (2, "y.txt", "/data"), (3, "z.txt", None)]
    assert rebased_paths(documents, "/data") == [("a/x.txt", 1)]


@pytest.mark.parametrize(
    ("source", "display", "base"),
    [
        ("/data/a/x.txt", "x.txt", "/data/a"),
        ("/data/a/sub/x.txt", "sub/x.txt", "/data/a"),
        ("/data/a/feed.jsonl#2", "feed.jsonl#2", "/data/a"),
        ("/elsewhere/target.txt", "link.txt", None),  # a symlinked file: its folder is unknown
        ("/data/ax.txt", "x.txt", None),  # a suffix of the name is no folder
    ],
)
def test_legacy_indexes_give_each_document_the_folder_its_path_was_relative_to(source, display, base):
    assert legacy_base(source, display) == base


def test_settling_reads_the_stored_paths_only_when_the_root_moves(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = str((tmp_path / "a").resolve()), str((tmp_path / "b").resolve())

    def refuse() -> list[tuple[int, str, str]]:
        raise AssertionError("read the stored documents though the root stays")

    assert settle_root([tmp_path / "a"], a, refuse) == (a, None)
    root, changed = settle_root([tmp_path / "b"], a, lambda: [(1, "x.txt", f"{a}/x.txt")])
    assert (root, changed) == (str(tmp_path.resolve()), [("a/x.txt", 1)])
    assert settle_root([tmp_path / "b"], None, list) == (b, [])  # a new index


def test_a_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="nope: no such file or directory"):
        settle_root([tmp_path / "nope"], None, list)
