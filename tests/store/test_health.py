"""Work an interrupted scan leaves: readers say so, ``doctor --repair`` finishes it
(issue 11, item 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from provenance import Index
from provenance.store import bandindex
from provenance.store.health import unfinished_work


def _interrupt(index: Path) -> None:
    """What a scan killed between writing its batches and matching them leaves behind."""
    with sqlite3.connect(index) as db:
        db.execute("DELETE FROM matches")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'matched_through'")
        db.execute("UPDATE meta SET value = '0' WHERE key = 'findings_current'")


def test_readers_warn_while_passages_are_pending_and_doctor_repair_finishes_them(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    expected = run_cli("report", "--format", "json", "--index", str(index)).out
    _interrupt(index)
    with Index.open(index, readonly=True) as opened:
        pending = unfinished_work(opened).pending_passages
    assert pending > 0
    article = str(min(seeds_dir.glob("*.txt")))
    hint = f"run 'provenance doctor --repair --index {index}'"
    for command in (("report",), ("trace", article), ("check", article)):
        result = run_cli(*command, "--index", str(index))
        assert result.code in (0, 1), result.err
        assert result.err.startswith(f"warning: {pending} passages of {index} are not matched yet"), (command, result.err)
        assert hint in result.err
    repaired = run_cli("doctor", "--repair", "--index", str(index))
    assert repaired.code == 0 and f"matched {pending} pending passages" in repaired.out, repaired.err
    report = run_cli("report", "--format", "json", "--index", str(index))
    assert report.err == "" and report.out == expected


def test_readers_warn_when_findings_were_not_refreshed(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    with sqlite3.connect(index) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'findings_current'")
    result = run_cli("report", "--index", str(index))
    assert result.code == 0 and result.err.startswith(f"warning: the findings in {index} are out of date"), result.err
    assert run_cli("doctor", "--repair", "--index", str(index)).code == 0
    assert run_cli("report", "--index", str(index)).err == ""


@pytest.mark.parametrize("kind, keys", [("band", "keys"), ("anchor", "anchors")])
@pytest.mark.parametrize("truncated", ["block", "fences"])
def test_doctor_finds_a_truncated_segment_and_repair_rebuilds_the_segments(run_cli, seeds_dir, tmp_path, monkeypatch,
                                                                          kind, keys, truncated):
    monkeypatch.setattr(bandindex, "RUNS_SHARE", float("inf"))  # a band lookup reads the blocks, however many it needs
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    expected = run_cli("report", "--format", "json", "--index", str(index)).out
    with sqlite3.connect(index) as db:
        entries = db.execute(f"SELECT SUM(size) FROM {kind}_segments").fetchone()[0]
        assert entries > 0
        if truncated == "block":
            db.execute(f"UPDATE {kind}_blocks SET {keys} = substr({keys}, 1, 8) WHERE id = (SELECT MAX(id) FROM {kind}_blocks)")
        else:  # not even whole keys
            db.execute(f"UPDATE {kind}_segments SET fences = substr(fences, 1, 5) WHERE id = (SELECT MAX(id) FROM {kind}_segments)")
    found = run_cli("doctor", "--quick", "--index", str(index))
    assert found.code == 2 and "Traceback" not in found.err, found.err
    problem = [line for line in found.err.splitlines() if f"{kind} segment" in line]
    assert len(problem) == 1 and "is malformed; 'provenance doctor --repair' rebuilds it" in problem[0], found.err
    copy = tmp_path / "copy.txt"  # a new article, whose keys are looked up (in every block of so small an index)
    longest = max(seeds_dir.glob("*.txt"), key=lambda path: path.stat().st_size)
    copy.write_text(longest.read_text(encoding="utf-8") + "\nA closing line added by the copy.\n", encoding="utf-8")
    checked = run_cli("check", str(copy), "--index", str(index))
    assert checked.code == 2 and len(checked.err.strip().splitlines()) == 1 and f"{kind} segment" in checked.err, checked.err
    repaired = run_cli("doctor", "--repair", "--quick", "--index", str(index))
    assert repaired.code == 0 and f"rebuilt the {kind} segments (1 malformed)" in repaired.out, repaired.err
    with Index.open(index, readonly=True) as opened:  # rebuilt from the runs
        db = opened.connection
        assert db.execute(f"SELECT SUM(size) FROM {kind}_segments").fetchone()[0] == entries
        assert opened.meta(f"{kind}s_indexed_through") == str(opened.matched_through)
    assert run_cli("doctor", "--quick", "--index", str(index)).code == 0
    assert run_cli("report", "--format", "json", "--index", str(index)).out == expected


@pytest.mark.parametrize("damage", ["truncated", "dropped", "stray"])
def test_doctor_finds_a_damaged_band_filter_and_repair_rebuilds_the_segments(run_cli, seeds_dir, tmp_path, damage):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    expected = run_cli("report", "--format", "json", "--index", str(index)).out
    with sqlite3.connect(index) as db:
        filters = db.execute("SELECT COUNT(*) FROM band_filters").fetchone()[0]
        assert filters == db.execute("SELECT COUNT(*) FROM band_segments").fetchone()[0] > 0
        last = "(SELECT MAX(segment) FROM band_filters)"
        if damage == "truncated":
            db.execute(f"UPDATE band_filters SET bits = substr(bits, 1, 5) WHERE segment = {last}")
        elif damage == "dropped":
            db.execute(f"DELETE FROM band_filters WHERE segment = {last}")
        else:
            db.execute("INSERT INTO band_filters (segment, bits) SELECT MAX(segment) + 1, bits FROM band_filters")
    found = run_cli("doctor", "--quick", "--index", str(index))
    assert found.code == 2 and "Traceback" not in found.err, found.err
    problem = [line for line in found.err.splitlines() if "band segment" in line]
    assert len(problem) == 1 and ("is malformed" if damage != "stray" else "belong to no band segment") in problem[0]
    repaired = run_cli("doctor", "--repair", "--quick", "--index", str(index))
    assert repaired.code == 0 and "rebuilt the band segments (1 malformed)" in repaired.out, repaired.err
    with sqlite3.connect(index) as db:
        assert db.execute("SELECT COUNT(*) FROM band_filters").fetchone()[0] == filters
    assert run_cli("doctor", "--quick", "--index", str(index)).code == 0
    assert run_cli("report", "--format", "json", "--index", str(index)).out == expected


@pytest.mark.parametrize("damage", ["truncated", "dropped"])
def test_doctor_finds_damaged_unit_match_blobs_and_repair_rebuilds_them(run_cli, seeds_dir, tmp_path, damage):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    expected = run_cli("report", "--format", "json", "--index", str(index)).out
    with sqlite3.connect(index) as db:
        (before,) = db.execute("SELECT SUM(length(rows)) FROM unit_matches").fetchone()
        assert before
        (matched,) = db.execute("SELECT d.source FROM unit_matches AS m JOIN units AS u ON u.id = m.unit "
                                "JOIN documents AS d ON d.id = u.doc_id ORDER BY m.unit LIMIT 1").fetchone()
        if damage == "truncated":
            db.execute("UPDATE unit_matches SET rows = substr(rows, 1, 20)")
        else:
            db.execute("DELETE FROM unit_matches WHERE unit = (SELECT MIN(unit) FROM unit_matches)")
    found = run_cli("doctor", "--quick", "--index", str(index))
    assert found.code == 2 and "Traceback" not in found.err, found.err
    problem = [line for line in found.err.splitlines() if "unit match blob" in line]
    assert len(problem) == 1 and problem[0].endswith("'provenance doctor --repair' rebuilds them"), found.err
    if damage == "truncated":  # a walk that reads a blob says so in one line
        copy = tmp_path / "copy.txt"  # reprints an article that has matches: their blobs are read
        copy.write_text(Path(matched).read_text(encoding="utf-8") + "\nA closing line added by the copy.\n", encoding="utf-8")
        checked = run_cli("check", str(copy), "--index", str(index))
        assert checked.code == 2 and len(checked.err.strip().splitlines()) == 1 and "match blob" in checked.err, checked.err
    repaired = run_cli("doctor", "--repair", "--quick", "--index", str(index))
    assert repaired.code == 0 and "rebuilt the unit match blobs" in repaired.out, repaired.err
    with sqlite3.connect(index) as db:
        assert db.execute("SELECT SUM(length(rows)) FROM unit_matches").fetchone()[0] == before
    assert run_cli("doctor", "--quick", "--index", str(index)).code == 0
    assert run_cli("report", "--format", "json", "--index", str(index)).out == expected
