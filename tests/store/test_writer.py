"""Writing batches: a batch with nothing to match writes no key run, and an index an older
version left with an empty run is repaired, never rebuilt (issue 11, item 1)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from provenance import Index
from provenance.store import keyruns
from provenance.store.health import check_consistency


def _runs(index: Path) -> list[keyruns.Run]:
    with Index.open(index, readonly=True) as opened:
        return keyruns.runs(opened.connection)


def test_a_batch_of_stub_articles_writes_no_key_run(run_cli, seeds_dir, tmp_path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "a.txt").write_text("Short note.\n")
    (stubs / "b.jsonl").write_text('{"text": "Breaking: more soon."}\n')
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(stubs), "--index", str(index)).code == 0
    assert _runs(index) == []
    for command in (("scan", str(stubs)), ("scan", str(seeds_dir)), ("check", str(stubs)), ("doctor",)):
        result = run_cli(*command, "--index", str(index))
        assert result.code == 0, (command, result.err)
        assert "unexpected" not in result.err
    assert all(run.size > 0 for run in _runs(index))


def _add_empty_run(index: Path) -> None:
    """What versions before the fix wrote for a batch of articles too short to match."""
    with sqlite3.connect(index) as db:
        next_unit = int(db.execute("SELECT value FROM meta WHERE key = 'next_unit'").fetchone()[0])
        db.execute("INSERT INTO key_runs (first_unit, stop_unit, bands, keys, docs, contents) VALUES (?, ?, 37, x'', x'', x'')",
                   (next_unit, next_unit))


def test_an_empty_key_run_left_by_an_older_version_is_repaired_by_the_next_scan(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    first, second = sorted(seeds_dir.glob("*.txt"))[:3], sorted(seeds_dir.glob("*.txt"))[3:]
    assert run_cli("scan", *map(str, first), "--index", str(index)).code == 0
    _add_empty_run(index)
    doctor = run_cli("doctor", "--index", str(index), "--quick")
    assert doctor.code == 2 and "is empty" in doctor.err and "doctor --repair" in doctor.err
    result = run_cli("scan", *map(str, second), "--index", str(index))
    assert result.code == 0, result.err
    assert all(run.size > 0 for run in _runs(index))
    assert run_cli("doctor", "--index", str(index)).code == 0


def test_doctor_repair_removes_an_empty_key_run(run_cli, seeds_dir, tmp_path):
    index = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(index)).code == 0
    _add_empty_run(index)
    repaired = run_cli("doctor", "--repair", "--index", str(index))
    assert repaired.code == 0, repaired.err
    with Index.open(index, readonly=True) as opened:
        assert all(run.size > 0 for run in keyruns.runs(opened.connection))
        assert check_consistency(opened) == []
