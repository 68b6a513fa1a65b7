"""``scan --engine dask``: the same stages on a Dask cluster give a byte-identical report,
even when a worker dies mid-run; Ctrl-C leaves only committed batches; without Dask the
engine is a one-line configuration error."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time

import pytest

from provenance.scanning import ScanOptions, scan
from provenance.store.index import Index
from tests.execution.conftest import cli as _cli
from tests.execution.conftest import json_report as _report
from tests.execution.conftest import needs_dask


@pytest.fixture
def cluster():
    """A 2-process LocalCluster of our own, reached through ``--scheduler`` (so the test
    can also act on its workers), and a client to it."""
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR, host="127.0.0.1") as local, Client(local) as client:
        yield local, client


@needs_dask
def test_dask_engine_gives_the_local_engines_report_byte_for_byte(corpus, local_report, tmp_path, monkeypatch):
    from provenance.execution import dask_components

    # Components on the cluster too, however few the pairs (the default labels fewer
    # than a million on the client, with scipy).
    monkeypatch.setattr(dask_components, "LOCAL_BELOW", 0)
    labelled = []
    labels = dask_components.dask_component_labels

    def spy(*args, **kwargs):
        labelled.append(result := labels(*args, **kwargs))
        return result

    monkeypatch.setattr(dask_components, "dask_component_labels", spy)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where mkdtemp puts its directories
    code, _, err = _cli("scan", str(corpus), "--index", str(tmp_path / "dask.sqlite"), "-q",
                        "--engine", "dask", "--workers", "2", "--batch-size", "8")
    assert code == 0, err
    assert err == ""  # no Dask log noise and no progress bar when stderr is not a terminal
    assert len(labelled) == 1 and labelled[0].npartitions == 2  # the findings' components, on 2 workers
    assert list(scratch.iterdir()) == []  # the stage shards and pair shards went to temporary directories
    assert _report(tmp_path / "dask.sqlite") == local_report


@needs_dask
def test_a_worker_killed_mid_run_is_replaced_and_the_report_is_unchanged(corpus, local_report, tmp_path, cluster):
    local, client = cluster
    before = client.run(os.getpid)
    victim = min(before)
    killed = []

    def kill_once(done: int, total: int) -> None:
        # After the first committed batch, while later batches are in flight on both workers.
        if not killed:
            os.kill(before[victim], signal.SIGKILL)  # as the OOM killer would
            killed.append(done)

    options = ScanOptions(engine="dask", scheduler=local.scheduler_address, batch_size=8, workers=2)
    with Index.open(tmp_path / "killed.sqlite") as index:
        scan([corpus], index, options, progress=kill_once)
    assert killed == [8]
    deadline = time.monotonic() + 20
    while before[victim] in client.run(os.getpid).values() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert before[victim] not in client.run(os.getpid).values()  # that process really died
    assert _report(tmp_path / "killed.sqlite") == local_report


@needs_dask
def test_interrupt_cancels_cluster_work_and_keeps_only_committed_batches(corpus, tmp_path, cluster):
    local, client = cluster

    def interrupt(done: int, total: int) -> None:
        if done >= 16:
            raise KeyboardInterrupt

    options = ScanOptions(engine="dask", scheduler=local.scheduler_address, batch_size=8, workers=2)
    with Index.open(tmp_path / "stopped.sqlite") as index, pytest.raises(KeyboardInterrupt):
        scan([corpus], index, options, progress=interrupt)
    with Index.open(tmp_path / "stopped.sqlite", readonly=True) as index:
        stored = index.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert stored == 16  # two committed batches, nothing of the cancelled ones
    deadline = time.monotonic() + 10
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0


@needs_dask
def test_executor_maps_in_order_and_surfaces_errors(cluster):
    from provenance.execution.dask import DaskExecutor

    local, _ = cluster
    with DaskExecutor(scheduler=local.scheduler_address, retries=0) as executor:
        assert list(executor.map(abs, range(-20, 0))) == list(range(20, 0, -1))
        with pytest.raises(ValueError, match="invalid literal"):
            list(executor.map(int, ["1", "2", "three", "4"]))
    assert not executor.started
    assert local.status.name == "running"  # a cluster we only connected to is left running


def test_dask_engine_without_dask_is_a_one_line_error_with_the_install_command(seeds_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code, _out, err = _cli("scan", str(seeds_dir), "--index", str(tmp_path / "x.sqlite"), "--engine", "dask")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "pip install 'passage-provenance[dask]'" in err


def test_scheduler_needs_the_dask_engine(seeds_dir, tmp_path):
    code, _, err = _cli("scan", str(seeds_dir), "--index", str(tmp_path / "x.sqlite"), "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2
    assert "--scheduler needs --engine dask" in err


@needs_dask
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the signal mask from /proc (Linux)")
def test_local_cluster_workers_ignore_ctrl_c():
    from provenance.execution.dask import DaskExecutor
    from tests.execution.test_local import sigint_ignored

    with DaskExecutor(2) as executor:
        assert list(executor.client.run(sigint_ignored).values()) == [True, True]
