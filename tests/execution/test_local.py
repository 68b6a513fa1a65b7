"""The local executor: ordered results, in-process for one worker or one item, a spawn
pool otherwise, errors surfaced in the parent."""

from __future__ import annotations

import os

import pytest

from provenance.execution import MAX_DEFAULT_WORKERS, LocalExecutor, default_workers
from provenance.execution.local import SMALL_STREAM


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
