"""The local executor: ordered results, in-process for one worker or one item, a spawn
pool otherwise, errors surfaced in the parent, no worker outliving a killed parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from provenance.execution import MAX_DEFAULT_WORKERS, LocalExecutor, default_workers
from provenance.execution.local import SMALL_STREAM, read_ahead
from tests.conftest import REPO


def square(value: int) -> int:
    return value * value


def worker_pid(_: int) -> int:
    return os.getpid()


def fail_on_three(value: int) -> int:
    if value == 3:
        raise ValueError("three is not allowed")
    return value


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_input_order(workers):
    with LocalExecutor(workers) as executor:
        assert list(executor.map(square, range(25))) == [n * n for n in range(25)]


def test_one_worker_runs_in_this_process():
    with LocalExecutor(1) as executor:
        assert set(executor.map(worker_pid, range(4))) == {os.getpid()}
        assert not executor.started


def test_a_short_stream_never_starts_a_pool():
    with LocalExecutor(2) as executor:
        assert list(executor.map(worker_pid, range(SMALL_STREAM))) == [os.getpid()] * SMALL_STREAM
        assert not executor.started


def test_two_workers_compute_in_spawned_processes():
    with LocalExecutor(2) as executor:
        pids = set(executor.map(worker_pid, range(6)))
        assert executor.started
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert not executor.started  # closed on exit


def test_worker_errors_reach_the_parent():
    with LocalExecutor(2) as executor, pytest.raises(ValueError, match="three is not allowed"):
        list(executor.map(fail_on_three, range(6)))


def test_items_are_consumed_lazily():
    pulled = []

    def items():
        for n in range(100):
            pulled.append(n)
            yield n

    with LocalExecutor(2, prefetch=1) as executor:
        results = executor.map(square, items())
        assert next(results) == 0
        assert len(pulled) <= max(2 + 1, SMALL_STREAM + 1) + 1  # in flight, one waiting; not the whole stream
        assert list(results)[-1] == 99 * 99


def test_bad_worker_count_says_how_to_fix_it():
    with pytest.raises(ValueError, match="use 1 to run in this process"):
        LocalExecutor(0)


def test_default_workers_is_capped():
    assert 1 <= default_workers() <= MAX_DEFAULT_WORKERS


def slow_pid(_: int) -> int:
    time.sleep(0.3)
    return os.getpid()


def test_workers_exit_when_the_parent_is_killed():
    # SIGKILL (or the OOM killer) gives the parent no chance to stop its pool; the
    # workers must notice on their own instead of waiting on the task queue forever.
    code = (
        "from provenance.execution.local import LocalExecutor\n"
        "from tests.execution.test_local import slow_pid\n"
        "if __name__ == '__main__':\n"
        "    with LocalExecutor(2) as executor:\n"
        "        for pid in executor.map(slow_pid, range(1000)):\n"
        "            print(pid, flush=True)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        workers = {int(parent.stdout.readline()) for _ in range(4)}  # type: ignore[union-attr]
    finally:
        parent.kill()
        parent.wait()
    assert workers and parent.pid not in workers
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def sigint_ignored(_: int = 0) -> bool:
    """Whether the kernel ignores SIGINT for this process (what a Ctrl-C then does to it)."""
    with open(f"/proc/{os.getpid()}/status") as status:
        ignored = int(next(line for line in status if line.startswith("SigIgn:")).split()[1], 16)
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def sigint_ignored_with_shards(_: int = 0) -> tuple[bool, bool]:
    """Whether polars was loaded before a ``--workdir`` task's module, and SIGINT's state after."""
    before = "polars" in sys.modules
    import provenance.execution.shards  # noqa: F401  (imports polars)

    return before, sigint_ignored()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the signal mask from /proc (Linux)")
def test_workers_ignore_ctrl_c_even_after_importing_polars():
    # polars installs a SIGINT handler when imported, over the "ignore" a worker inherits;
    # workers do not import it to start (0.3 s each), only the --workdir shards do.
    with LocalExecutor(2) as executor:
        assert all(executor.map(sigint_ignored, range(4)))
        found = list(executor.map(sigint_ignored_with_shards, range(4)))
    assert all(ignored for _, ignored in found)
    assert not all(before for before, _ in found)  # at least the first task of each worker came first


def test_reading_ahead_keeps_the_order_and_runs_before_it_is_asked():
    started = threading.Event()
    calls: list[int] = []

    def work(item: int) -> int:
        calls.append(item)
        if item == 3:
            started.set()
        return item * 10

    results = read_ahead(work, range(10), ahead=3)
    assert next(results) == 0
    assert started.wait(5)  # items 1-3 were read while the caller held item 0
    assert list(results) == [10 * i for i in range(1, 10)]
    assert calls == list(range(10))


def test_reading_ahead_stops_when_the_caller_stops_and_passes_errors_on():
    calls: list[int] = []

    def work(item: int) -> int:
        calls.append(item)
        if item == 2:
            raise ValueError("item 2 is unreadable")
        return item

    results = read_ahead(work, range(100), ahead=4)
    assert next(results) == 0
    assert next(results) == 1
    with pytest.raises(ValueError, match="item 2"):
        next(results)
    results.close()
    assert len(calls) <= 2 + 4 + 1  # never more than ``ahead`` beyond what was asked


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_reading_ahead_by_chunks_keeps_the_order_and_its_bound(chunk):
    calls: list[int] = []
    asked = threading.Event()

    def work(item: int) -> int:
        calls.append(item)
        return item * 10

    results = read_ahead(work, range(50), ahead=8, chunk=chunk)
    assert [next(results) for _ in range(5)] == [0, 10, 20, 30, 40]
    asked.wait(0.2)  # time for the helper to read as far ahead as it may
    assert len(calls) <= 5 + 8 + chunk  # never much more than ``ahead`` beyond what was asked
    assert list(results) == [10 * i for i in range(5, 50)]
    assert calls == list(range(50))
