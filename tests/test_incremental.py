"""Incremental findings: whatever the arrival batches, their order and the changed and
deleted files in between, the JSON report after the incremental scans is byte-identical
to one full scan of the final corpus into a fresh index; and a scan rewrites only the
findings of the clusters it changed."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import CorpusSpec, generate_corpus
from provenance import Index, ScanOptions, scan
from provenance.report.render import render_report
from provenance.store import drafts
from provenance.store.findings import refresh
from provenance.store.schema import SCHEMA_VERSION
from tests.conftest import prose

ARTICLES = 24
#: What happens to a file: it arrives with its final text; arrives with another text and
#: changes to its final one later; or arrives and is deleted later (``scan --prune``).
FATES = ("final", "changed", "deleted")


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The generated articles (relative path -> text), planted reuse among them."""
    root = tmp_path_factory.mktemp("incremental") / "generated"
    generate_corpus(root, CorpusSpec(num_articles=ARTICLES, seed=5, num_outlets=3, reuse_rate=0.6,
                                         stock_share=0.5, story_rate=0.1))
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.txt"))}


def _earlier_text(final: str, other: str, variant: int) -> str:
    """A text the file held before its final one: its last paragraph missing, another
    article's text, or its own text with another article's paragraphs appended."""
    paragraphs = final.split("\n\n")
    if variant == 0 and len(paragraphs) > 2:
        return "\n\n".join(paragraphs[:-1])
    if variant == 1:
        return other
    return final + "\n\n" + "\n\n".join(other.split("\n\n")[-2:])


def _write(path: Path, text: str, tick: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    os.utime(path, ns=(tick * 1_000_000_000, tick * 1_000_000_000))  # a changed file never keeps its mtime


def _report(index_path: Path) -> str:
    with Index.open(index_path) as index:
        return render_report(index, "json")


def _scan(root: Path, index_path: Path) -> None:
    with Index.open(index_path) as index:
        scan([root], index, ScanOptions(workers=1, batch_size=5, prune=True))


plans = st.integers(min_value=1, max_value=4).flatmap(lambda batches: st.lists(
    st.tuples(st.integers(0, batches - 1), st.integers(1, batches), st.sampled_from(FATES), st.integers(0, 2),
              st.integers(0, ARTICLES - 1)),
    min_size=ARTICLES, max_size=ARTICLES).map(lambda fates: (batches, fates)))


#: Found by hypothesis: a rescan whose deleted and changed articles took the last
#: findings of a cluster with them (by cascade, before the refresh): every later cluster
#: number moves down.
CASCADED = (1, [(0, 1, FATES[int(fate)], 0, 0) for fate in "100000101000011010020210"])


@settings(max_examples=8, deadline=None)
@example(plan=(1, [(0, 1, "final", 0, 0)] * ARTICLES))
@example(plan=CASCADED)
@example(plan=(3, [(i % 3, 3, ("final", "changed", "deleted")[i % 3], i % 3, (i * 7) % ARTICLES)
                   for i in range(ARTICLES)]))
@given(plan=plans)
def test_incremental_scans_report_what_one_full_scan_does(texts, tmp_path_factory, plan):
    batches, fates = plan
    work = tmp_path_factory.mktemp("plan")
    root = work / "corpus"
    names = sorted(texts)
    tick = 1
    for batch in range(batches):
        for name, (arrives, event, fate, variant, other) in zip(names, fates, strict=True):
            event = max(event, arrives + 1)
            path = root / name
            if batch < arrives:
                continue
            if fate == "deleted" and batch >= event:
                path.unlink(missing_ok=True)
                continue
            final = texts[name]
            text = _earlier_text(final, texts[names[other]], variant) if fate != "final" and batch < event else final
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                _write(path, text, tick)
                tick += 1
        _scan(root, work / "incremental.sqlite")
    # The last batch may leave changes and deletions pending: one more scan applies them.
    for name, (_, _, fate, _, _) in zip(names, fates, strict=True):
        path = root / name
        if fate == "deleted":
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_text(encoding="utf-8") != texts[name]:
            _write(path, texts[name], tick)
            tick += 1
    _scan(root, work / "incremental.sqlite")
    _scan(root, work / "fresh.sqlite")
    assert _report(work / "incremental.sqlite") == _report(work / "fresh.sqlite")
    shutil.rmtree(work)


def _write_counts(index: Index) -> None:
    db = index.connection
    db.execute("CREATE TEMP TABLE IF NOT EXISTS draft_writes (kind TEXT)")
    db.execute("CREATE TEMP TRIGGER IF NOT EXISTS draft_inserts AFTER INSERT ON finding_drafts "
               "BEGIN INSERT INTO draft_writes VALUES ('insert'); END")
    db.execute("CREATE TEMP TRIGGER IF NOT EXISTS draft_deletes AFTER DELETE ON finding_drafts "
               "BEGIN INSERT INTO draft_writes VALUES ('delete'); END")


def test_a_scan_rewrites_only_the_findings_of_clusters_it_changed(texts, tmp_path):
    root = tmp_path / "corpus"
    names = sorted(texts)
    for name in names:
        _write(root / name, texts[name], 1)
    _scan(root, tmp_path / "ix.sqlite")
    with Index.open(tmp_path / "ix.sqlite") as index:
        before = index.connection.execute("SELECT id, cluster_doc, copy_doc FROM finding_drafts ORDER BY id").fetchall()
        assert before
        _write_counts(index)
        refresh(index)  # nothing changed: nothing rewritten
        assert index.connection.execute("SELECT COUNT(*) FROM temp.draft_writes").fetchone()[0] == 0
        # A new article copying one paragraph of one article touches that cluster only.
        copied = next(row for row in before)
        source = index.connection.execute("SELECT path FROM documents WHERE id = ?", (copied[1],)).fetchone()[0]
    donor = texts[next(name for name in names if name.endswith(Path(source).name))]
    paragraph = max(donor.split("\n\n"), key=len)
    _write(root / "late" / "copy.txt", f"Late copy\n\nAn opening line of our own words here.\n\n{paragraph}\n", 2)
    with Index.open(tmp_path / "ix.sqlite") as index:
        db = index.connection
        scan([root], index, ScanOptions(workers=1, batch_size=5))
        after = db.execute("SELECT id, cluster_doc, copy_doc FROM finding_drafts ORDER BY id").fetchall()
    untouched = set(before) & set(after)
    assert len(untouched) >= len(before) // 2, "most findings were rewritten"
    assert len(after) > len(untouched)


def test_full_refresh_gives_the_stored_findings_again(texts, tmp_path):
    root = tmp_path / "corpus"
    names = sorted(texts)
    for i, name in enumerate(names):
        if i % 2 == 0:
            _write(root / name, texts[name], 1)
    _scan(root, tmp_path / "ix.sqlite")
    for i, name in enumerate(names):
        if i % 2 == 1:
            _write(root / name, texts[name], 2)
    _scan(root, tmp_path / "ix.sqlite")
    incremental = _report(tmp_path / "ix.sqlite")
    with Index.open(tmp_path / "ix.sqlite") as index:
        refresh(index, full=True)
    assert _report(tmp_path / "ix.sqlite") == incremental


def test_a_version_5_index_is_migrated_and_rebuilds_its_findings(texts, tmp_path):
    root = tmp_path / "corpus"
    for name in sorted(texts):
        _write(root / name, texts[name], 1)
    _scan(root, tmp_path / "ix.sqlite")
    before = _report(tmp_path / "ix.sqlite")
    with sqlite3.connect(tmp_path / "ix.sqlite") as db:  # what version 5 had: no drafts, no cluster state
        db.execute("DROP TABLE finding_drafts")
        db.execute("DROP TABLE span_clusters")
        db.execute("DELETE FROM meta WHERE key = 'findings_state'")
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    with Index.open(tmp_path / "ix.sqlite") as index:
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert not index.findings_current  # the migration marks the findings stale
    _scan(root, tmp_path / "ix.sqlite")  # nothing to read again: the stale findings are rebuilt
    with Index.open(tmp_path / "ix.sqlite") as index:
        assert index.findings_current and index.meta("findings_state") == "1"
        assert index.connection.execute("SELECT COUNT(*) FROM span_clusters").fetchone()[0] > 0
    assert _report(tmp_path / "ix.sqlite") == before


FORMULA = "did not immediately respond to requests"  # 6 words: an anchor, never a match alone


@pytest.mark.parametrize("share", [0, 10**9], ids=["anchors-looked-up", "every-short-draft-tested"])
def test_a_finding_turns_stock_when_a_later_scan_makes_its_phrase_common(tmp_path, write_article, monkeypatch, share):
    # The drafts holding a changed anchor are found either way (few or many changed).
    monkeypatch.setattr(drafts, "_LOOKUP_SHARE", share)
    root = tmp_path / "corpus"
    # A short shared passage: the formula and seven words of its own (13 words: a match).
    shared = f"The ministry {FORMULA} about the closure of the river port."
    write_article("a/one.txt", "https://a.example/2021/01/04/one", "2021-01-04 09:00:00", "One",
                  [prose(1), shared, prose(2)])
    write_article("b/two.txt", "https://b.example/2021/01/05/two", "2021-01-05 09:00:00", "Two",
                  [prose(3), shared, prose(4)])
    _scan(root, tmp_path / "ix.sqlite")
    with Index.open(tmp_path / "ix.sqlite") as index:
        assert index.findings_count() == 1
    # Eight more articles use the formula, each in words of its own: no match with the
    # passage, but its anchor is now held by ten paragraphs, so the passage is stock.
    for n in range(8):
        write_article(f"c/{n}.txt", f"https://c{n}.example/2021/02/0{n + 1}/x", f"2021-02-0{n + 1} 09:00:00",
                      f"Other {n}", [prose(10 + n), f"{prose(30 + n, sentences=1)} They {FORMULA}.", prose(50 + n)])
    _scan(root, tmp_path / "ix.sqlite")
    _scan(root, tmp_path / "fresh.sqlite")
    with Index.open(tmp_path / "ix.sqlite") as index:
        assert index.findings_count() == 0
    assert _report(tmp_path / "ix.sqlite") == _report(tmp_path / "fresh.sqlite")
