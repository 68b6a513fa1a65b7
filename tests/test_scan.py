"""Scanning into an index: incremental behaviour, provenance rules and determinism."""

from __future__ import annotations

import os
import random
import shutil

import pytest

from provenance import Index, ScanOptions, scan
from provenance.config import Config
from provenance.errors import ConfigMismatchError
from provenance.report.model import build_report, to_json
from tests.conftest import prose

SHARED = prose(1, sentences=3)
OTHER = prose(2, sentences=3)


def _corpus(write_article, root=None):
    write_article("a.txt", "https://one.example/2020/01/01/a/", "2020-01-01 10:00:00", "A", [prose(10), SHARED, prose(11)], root=root)
    write_article("b.txt", "https://two.example/2020/01/02/b/", "2020-01-02 10:00:00", "B", [prose(20), SHARED, prose(21)], root=root)
    write_article("c.txt", "https://three.example/2020/01/03/c/", "2020-01-03 10:00:00", "C", [prose(30), OTHER], root=root)


def _report(index_path, paths, **options):
    with Index.open(index_path) as index:
        summary = scan(paths, index, ScanOptions(**options))
        return summary, build_report(index)


def _origins(report):
    return sorted((r["origin"]["path"], r["copy"]["path"], r["kind"]) for r in report["reuses"])


def test_rescanning_unchanged_files_does_nothing(tmp_path, write_article):
    _corpus(write_article)
    first = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])[1]
    summary, second = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert (summary.added, summary.changed, summary.unchanged) == (0, 0, 3)
    assert to_json(first) == to_json(second)
    assert _origins(first) == [("a.txt", "b.txt", "verbatim")]


def test_changed_file_replaces_its_passages(tmp_path, write_article):
    _corpus(write_article)
    _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    write_article("c.txt", "https://three.example/2020/01/03/c/", "2020-01-03 10:00:00", "C", [SHARED, prose(31)])
    summary, report = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert summary.changed == 1
    assert _origins(report) == [("a.txt", "b.txt", "verbatim"), ("a.txt", "c.txt", "verbatim")]


def test_earlier_dated_article_arriving_later_takes_over_as_origin(tmp_path, write_article):
    _corpus(write_article)
    _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    write_article("late/older.txt", "https://four.example/2019/12/31/x/", "2019-12-31 09:00:00", "Old", [prose(40), SHARED])
    summary, report = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert summary.added == 1
    assert _origins(report) == [("late/older.txt", "a.txt", "verbatim"), ("late/older.txt", "b.txt", "verbatim")]


def test_prune_drops_documents_whose_files_are_gone(tmp_path, write_article):
    _corpus(write_article)
    _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    os.remove(tmp_path / "corpus" / "a.txt")
    _, kept = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert len(kept["documents"]) == 3
    summary, pruned = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"], prune=True)
    assert summary.removed == 1 and [d["path"] for d in pruned["documents"]] == ["b.txt", "c.txt"]
    assert pruned["reuses"] == []


def test_chain_origin_is_the_first_article(tmp_path, write_article):
    words = SHARED.split()
    edited_once = " ".join(words[:30] + ["quietly", "added"] + words[30:])
    edited_twice = " ".join(edited_once.split()[:-8] + ["completely", "new", "ending", "words", "here", "for", "this", "one."])
    write_article("a.txt", "https://a.example/x", "2020-01-01 10:00:00", "A", [prose(1, 1), SHARED])
    write_article("b.txt", "https://b.example/x", "2020-01-02 10:00:00", "B", [prose(2, 1), edited_once])
    write_article("c.txt", "https://c.example/x", "2020-01-03 10:00:00", "C", [prose(3, 1), edited_twice])
    _, report = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert {(r["origin"]["path"], r["copy"]["path"]) for r in report["reuses"]} == {("a.txt", "b.txt"), ("a.txt", "c.txt")}


def test_undated_article_never_outranks_a_dated_one_and_marks_uncertainty(tmp_path, write_article):
    write_article("dated.txt", "https://a.example/x", "2020-01-05 10:00:00", "A", [SHARED])
    write_article("undated.txt", None, None, "Undated", [SHARED])
    _, report = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    [reuse] = report["reuses"]
    assert reuse["origin"]["path"] == "dated.txt" and reuse["origin_certain"] is False


def test_same_day_date_only_stamps_are_uncertain(tmp_path, write_article):
    write_article("x.txt", "https://a.example/x", "2020-01-05 00:00:00", "X", [SHARED])
    write_article("y.txt", "https://b.example/y", "2020-01-05 13:00:00", "Y", [SHARED])
    _, report = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert [r["origin_certain"] for r in report["reuses"]] == [False]


def test_results_do_not_depend_on_names_order_or_runs(tmp_path, write_article):
    _corpus(write_article)
    write_article("d.txt", "https://four.example/x", "2020-01-04 10:00:00", "D", [prose(50), SHARED, OTHER])
    files = sorted((tmp_path / "corpus").iterdir())
    outputs = set()
    for attempt in range(3):
        order = files[:]
        random.Random(attempt).shuffle(order)
        index_path = tmp_path / f"ix{attempt}.sqlite"
        with Index.open(index_path) as index:
            for path in order:  # one file per run, in a shuffled order
                scan([path], index)
            outputs.add(to_json(build_report(index)))
    assert len(outputs) == 1


def test_tie_between_identical_instants_is_broken_by_content_not_name(tmp_path, write_article):
    for names in (("p.txt", "q.txt"), ("q.txt", "p.txt")):
        root = tmp_path / names[0]
        write_article(names[0], "https://a.example/x", "2020-01-05 10:00:00", "One", [SHARED, prose(7)], root=root)
        write_article(names[1], "https://b.example/y", "2020-01-05 10:00:00", "Two", [SHARED, prose(8)], root=root)
    _, first = _report(tmp_path / "1.sqlite", [tmp_path / "p.txt"])
    _, second = _report(tmp_path / "2.sqlite", [tmp_path / "q.txt"])
    title = lambda report, path: next(d["title"] for d in report["documents"] if d["path"] == path)
    assert title(first, first["reuses"][0]["origin"]["path"]) == title(second, second["reuses"][0]["origin"]["path"])


def test_index_built_with_another_config_is_refused(tmp_path, write_article):
    _corpus(write_article)
    _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    with pytest.raises(ConfigMismatchError, match="min_similarity"):
        Index.open(tmp_path / "ix.sqlite", Config().with_overrides(**{"verify.min_similarity": 0.7}))
    shutil.copy(tmp_path / "ix.sqlite", tmp_path / "copy.sqlite")
    assert Index.open(tmp_path / "copy.sqlite").config == Config()


def test_unchanged_rescan_skips_the_refresh_but_a_stale_index_is_refreshed(tmp_path, write_article, monkeypatch):
    import sys

    scan_module = sys.modules["provenance.scanning"]

    _corpus(write_article)
    _, first = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    calls = []
    real_refresh = scan_module.refresh
    monkeypatch.setattr(scan_module, "refresh", lambda index, **options: calls.append(1) or real_refresh(index, **options))
    summary, second = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert calls == [] and summary.findings == len(first["reuses"]) and to_json(second) == to_json(first)
    with Index.open(tmp_path / "ix.sqlite") as index, index.transaction():
        pass  # any write (e.g. a batch of a scan killed before its refresh) marks findings stale
    _, third = _report(tmp_path / "ix.sqlite", [tmp_path / "corpus"])
    assert calls == [1] and to_json(third) == to_json(first)


def _twins(write_article, tmp_path):
    """Two folders each holding an ``x.txt``; b's copies a passage of a's."""
    write_article("x.txt", "https://one.example/2020/01/01/a/", "2020-01-01 10:00:00", "A", [prose(10), SHARED], root=tmp_path / "a")
    write_article("x.txt", "https://two.example/2020/01/02/b/", "2020-01-02 10:00:00", "B", [prose(20), SHARED], root=tmp_path / "b")


def test_folders_scanned_one_after_the_other_never_share_a_path(tmp_path, write_article):
    _twins(write_article, tmp_path)
    _, first = _report(tmp_path / "ix.sqlite", [tmp_path / "a"])
    assert [d["path"] for d in first["documents"]] == ["x.txt"]  # one folder: paths as always
    _, both = _report(tmp_path / "ix.sqlite", [tmp_path / "b"])
    assert _origins(both) == [("a/x.txt", "b/x.txt", "verbatim")]
    summary, again = _report(tmp_path / "ix.sqlite", [tmp_path / "a"])  # the root never moves down
    assert summary.unchanged == 1 and _origins(again) == _origins(both)


def test_rescans_and_prune_find_documents_by_source_after_the_root_moved(tmp_path, write_article):
    _twins(write_article, tmp_path)
    _report(tmp_path / "ix.sqlite", [tmp_path / "a"])
    _report(tmp_path / "ix.sqlite", [tmp_path / "b"])
    (tmp_path / "b" / "x.txt").unlink()
    summary, pruned = _report(tmp_path / "ix.sqlite", [tmp_path / "a"], prune=True)
    assert (summary.unchanged, summary.removed) == (1, 1)
    assert [d["path"] for d in pruned["documents"]] == ["a/x.txt"]


def test_an_index_written_before_roots_were_stored_is_rebased_on_the_next_scan(tmp_path, write_article):
    _twins(write_article, tmp_path)
    _report(tmp_path / "ix.sqlite", [tmp_path / "a"])
    with Index.open(tmp_path / "ix.sqlite") as index, index.transaction(findings_current=None) as db:
        db.execute("DELETE FROM meta WHERE key = 'path_root'")  # as an older version left it
    _, report = _report(tmp_path / "ix.sqlite", [tmp_path / "b"])
    assert _origins(report) == [("a/x.txt", "b/x.txt", "verbatim")]


def test_files_named_from_two_folders_in_one_scan_are_told_apart(tmp_path, write_article):
    _twins(write_article, tmp_path)
    _, report = _report(tmp_path / "ix.sqlite", [tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"])
    assert _origins(report) == [("a/x.txt", "b/x.txt", "verbatim")]


def test_options_are_plain_data_and_a_wrong_engine_fails_where_the_scan_starts(tmp_path, seeds_dir):
    from provenance.errors import ConfigError
    from provenance.scanning import scan_into

    options = ScanOptions(engine="steam", workers=1)  # building options checks nothing, connects nowhere
    with Index.open(tmp_path / "open.sqlite") as index, pytest.raises(ConfigError, match="unknown engine 'steam'"):
        scan([seeds_dir], index, options)
    with pytest.raises(ConfigError, match="--scheduler needs --engine dask"):
        scan_into(tmp_path / "fresh.sqlite", [seeds_dir], ScanOptions(scheduler="tcp://127.0.0.1:1", workers=1))
    assert not (tmp_path / "fresh.sqlite").exists()  # checked before the index is created
