"""``provenance scan --engine dask`` as a user runs it: Ctrl-C from a terminal (SIGINT to
the whole process group) stops it cleanly and a rerun finishes the job; a scheduler
address nobody listens on fails in seconds, before the index is touched."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO
from tests.execution.conftest import cli, needs_dask, scan_and_report


def _committed_documents(index: Path) -> int:
    try:
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=0.1) as db:
            return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.Error:  # not created yet, or its schema not written yet
        return 0


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@needs_dask
def test_ctrl_c_stops_workers_keeps_the_index_sound_and_a_rerun_completes_it(corpus, local_report, tmp_path):
    index = tmp_path / "interrupted.sqlite"
    command = [sys.executable, "-m", "provenance", "scan", str(corpus), "--index", str(index), "-q",
               "--engine", "dask", "--workers", "2", "--batch-size", "2"]
    # A session of its own, as a terminal gives a job: SIGINT goes to the whole group,
    # the scheduler's and workers' processes included.
    scan_process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _committed_documents(index) == 0 and scan_process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scan_process.poll() is None, "the scan ended before it could be interrupted"
        os.killpg(scan_process.pid, signal.SIGINT)
        out, err = scan_process.communicate(timeout=60)
    finally:
        if scan_process.poll() is None:
            os.killpg(scan_process.pid, signal.SIGKILL)
    assert scan_process.returncode == 130, err
    assert err == "interrupted: nothing half-written; the index holds what was committed\n"  # one line, no traceback
    assert out == ""
    deadline = time.monotonic() + 20
    while _group_alive(scan_process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(scan_process.pid), "a scheduler or worker process outlived the scan"
    assert 0 < _committed_documents(index) < 150

    code, out, err = cli("doctor", "--index", str(index))
    assert code == 0, out + err
    assert scan_and_report(corpus, index, "--engine", "dask", "--workers", "2", "--batch-size", "2") == local_report


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@needs_dask
def test_an_unreachable_scheduler_fails_fast_before_the_index_is_touched(seeds_dir, tmp_path):
    address = f"tcp://127.0.0.1:{_unused_port()}"
    fresh = tmp_path / "fresh.sqlite"
    started = time.monotonic()
    code, out, err = cli("scan", str(seeds_dir), "--index", str(fresh), "--engine", "dask", "--scheduler", address)
    assert time.monotonic() - started < 5
    assert code == 2  # a configuration error (README: Engines)
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"error: cannot reach the Dask scheduler at '{address}' (")
    assert "check --scheduler" in err
    assert not fresh.exists()

    existing = tmp_path / "existing.sqlite"
    assert cli("scan", str(seeds_dir), "--index", str(existing), "-q", "--workers", "1")[0] == 0
    (seeds_dir / "new.txt").write_text("A new article that would be added.\n\nWith a second paragraph.\n")
    before = {path.name: path.read_bytes() for path in tmp_path.glob("existing.sqlite*")}
    assert cli("scan", str(seeds_dir), "--index", str(existing), "--engine", "dask", "--scheduler", address)[0] == 2
    assert {path.name: path.read_bytes() for path in tmp_path.glob("existing.sqlite*")} == before


@needs_dask
def test_a_malformed_scheduler_address_is_a_usage_error(seeds_dir, tmp_path):
    code, _, err = cli("scan", str(seeds_dir), "--index", str(tmp_path / "x.sqlite"), "--engine", "dask",
                       "--scheduler", "tcp://127.0.0.1")
    assert code == 2
    assert err.startswith("error: bad Dask scheduler address 'tcp://127.0.0.1' (") and err.count("\n") == 1
    assert not (tmp_path / "x.sqlite").exists()
