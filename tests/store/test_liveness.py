"""A scan in progress is told from an interrupted one: readers and ``doctor`` say "a scan
is writing it now" while one runs, and what they always said once it is gone, however it
ended."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from provenance import Index, ScanOptions, scan
from provenance.store.health import diagnose
from provenance.store.liveness import lock_path, scan_running, scanning
from provenance.store.unfinished import unfinished_work

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no flock: a running scan is not known there")


def test_scans_share_the_lock_and_the_last_one_out_removes_it(tmp_path):
    path = tmp_path / "index.sqlite"
    with Index.open(path) as first, Index.open(path) as second:
        assert scan_running(path) is False and not lock_path(path).exists()
        with scanning(first):
            assert scan_running(path) is True
            with scanning(second):
                assert scan_running(path) is True
            assert scan_running(path) is True and lock_path(path).exists()  # the first one still runs
        assert scan_running(path) is False and not lock_path(path).exists()


def test_a_check_sandbox_takes_no_lock(tmp_path, seeds_dir):
    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir], index, ScanOptions(workers=1))
    sandbox = Index.sandbox(path)
    assert sandbox is not None
    with sandbox, scanning(sandbox):
        assert scan_running(path) is False and not lock_path(path).exists()


def test_a_killed_scan_leaves_no_lock_behind(tmp_path):
    path = tmp_path / "index.sqlite"
    Index.open(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from provenance import Index
        from provenance.store.liveness import scanning
        with Index.open({str(path)!r}) as index, scanning(index):
            print("locked", flush=True)
            time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        assert scan_running(path) is True
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    assert scan_running(path) is False  # the file stays (nobody removed it), unlocked
    with Index.open(path) as index, scanning(index):  # the next scan takes it over
        assert scan_running(path) is True
    assert not lock_path(path).exists()


def test_readers_and_doctor_during_a_first_scan_say_a_scan_is_running(tmp_path, generated_corpus_150, monkeypatch):
    """Mid-way through a first scan the fingerprint index is dropped and passages wait
    for matching: no problem and no "interrupted scan?" while the scan runs."""
    import provenance.scanning as scanning_module

    path = tmp_path / "index.sqlite"
    seen: list[tuple[list[str], bool, int, str | None]] = []
    write = scanning_module.write_batch

    def observed(index, batch, replaces=()):  # type: ignore[no-untyped-def]
        stored = write(index, batch, replaces)
        if stored and len(seen) < 1:
            with Index.open(path, readonly=True) as reader:
                diagnosis, work = diagnose(reader, deep=False), unfinished_work(reader)
                seen.append((diagnosis.problems, diagnosis.scan_running, diagnosis.pending_passages, work.warning(path)))
        return stored

    monkeypatch.setattr(scanning_module, "write_batch", observed)
    with Index.open(path) as index:
        scan([generated_corpus_150], index, ScanOptions(workers=1, batch_size=16))
    [(problems, running, pending, warning)] = seen
    assert problems == [] and running and pending > 0
    assert warning is not None and "a scan is writing" in warning and "interrupted" not in warning
    assert not lock_path(path).exists()
    with Index.open(path, readonly=True) as reader:
        assert not diagnose(reader, deep=False).scan_running and not unfinished_work(reader)


def test_doctor_says_a_scan_is_writing_the_index(run_cli, seeds_dir, tmp_path):
    path = tmp_path / "index.sqlite"
    assert run_cli("scan", str(seeds_dir), "--index", str(path)).code == 0
    with Index.open(path) as index:
        with index.transaction(findings_current=None) as db:  # a scan's batch, not matched yet
            db.execute("UPDATE meta SET value = '1' WHERE key = 'matched_through'")
        with scanning(index):
            running = run_cli("doctor", "--quick", "--index", str(path))
            report = run_cli("report", "--index", str(path))
        stopped = run_cli("doctor", "--quick", "--index", str(path))
    assert running.code == 0 and "a scan is writing it now" in running.out and "interrupted" not in running.out
    assert report.code == 0 and report.err.startswith(f"warning: a scan is writing {path} now"), report.err
    assert stopped.code == 0 and "(an interrupted scan)" in stopped.out, stopped.out
    started = time.monotonic()
    assert scan_running(path) is False and time.monotonic() - started < 1  # no lock: no waiting
