"""``scan --workdir``: per-batch Parquet shards with completion markers; a rerun reads
complete shards instead of recomputing, and the report does not change. With the Dask
engine and no ``--workdir``, stage shards live in a temporary directory for the run."""

from __future__ import annotations

import tempfile
from dataclasses import fields
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from provenance.config import Config
from provenance.errors import ConfigError
from provenance.execution.dask import check_workdir_visible
from provenance.execution.shards import read_shard, shard_key, sharded, stage_in, write_shard
from provenance.ingest.load import iter_sources, load_document
from provenance.pipeline.batch import ProcessedBatch, process_batch
from provenance.scanning import ScanOptions, scan
from provenance.store.index import Index
from tests.execution.conftest import json_report, needs_dask, scan_and_report


def _documents(seeds_dir: Path) -> list:
    return [load_document(source) for source in iter_sources([seeds_dir])]


def _assert_same(left: ProcessedBatch, right: ProcessedBatch) -> None:
    for field in fields(ProcessedBatch):
        if field.name == "documents":
            continue
        a, b = getattr(left, field.name), getattr(right, field.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), field.name
        else:
            assert a == b, field.name


def test_a_shard_reads_back_exactly_what_was_computed(seeds_dir, tmp_path):
    documents, config = _documents(seeds_dir), Config()
    batch = process_batch(documents, config, keep_documents=False)
    key = shard_key(documents, config.fingerprint)
    assert read_shard(tmp_path, key, batch.keys.shape[1]) is None  # nothing yet
    write_shard(batch, tmp_path, key)
    _assert_same(read_shard(tmp_path, key, batch.keys.shape[1]), batch)


def test_keys_change_with_text_and_config(seeds_dir):
    documents = _documents(seeds_dir)
    key = shard_key(documents, Config().fingerprint)
    assert shard_key(documents[:-1], Config().fingerprint) != key
    assert shard_key(documents, Config().with_overrides(**{"segment.min_words": 9}).fingerprint) != key


def _refuse(documents):  # a module-level function: the stage must not run at all
    raise AssertionError("recomputed a batch whose shard was complete")


def test_complete_shards_are_not_recomputed_and_incomplete_ones_are(seeds_dir, tmp_path):
    documents, config = _documents(seeds_dir), Config()
    stage = sharded(partial(process_batch, config=config, keep_documents=False), tmp_path, config)
    first = stage(documents)
    _assert_same(sharded(_refuse, tmp_path, config)(documents), first)
    (tmp_path / "batches" / f"{shard_key(documents, config.fingerprint)}.done").unlink()  # as if killed before the marker
    with pytest.raises(AssertionError, match="recomputed"):
        sharded(_refuse, tmp_path, config)(documents)


def test_only_the_batch_stage_is_staged(tmp_path):
    config = Config()
    task = partial(process_batch, config=config, keep_documents=False)
    stage = stage_in(task, tmp_path)
    assert stage == sharded(task, tmp_path, config)
    assert stage_in(stage, tmp_path / "elsewhere") is stage  # already staged: keeps its workdir
    assert stage_in(abs, tmp_path) is abs


def test_scans_through_a_workdir_give_the_same_report(run_cli, seeds_dir, tmp_path):
    def report(index: str, *args: str) -> str:
        assert run_cli("scan", str(seeds_dir), "--index", index, "-q", "--workers", "1", "--batch-size", "2", *args).code == 0
        return run_cli("report", "--format", "json", "--index", index).out

    plain = report("plain.sqlite")
    assert report("first.sqlite", "--workdir", str(tmp_path / "work")) == plain
    assert len(list((tmp_path / "work" / "batches").glob("*.done"))) >= 2
    assert report("again.sqlite", "--workdir", str(tmp_path / "work")) == plain  # read from the shards


def _shards(directory: Path) -> dict[str, int]:
    """Every file under ``directory``, with its modification time (a rewrite changes it)."""
    return {str(path.relative_to(directory)): path.stat().st_mtime_ns for path in directory.rglob("*") if path.is_file()}


@needs_dask
def test_without_a_workdir_dask_stages_in_a_temporary_directory_removed_afterwards(corpus, local_report, tmp_path,
                                                                                  monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where mkdtemp puts its directories
    seen: list[int] = []

    def look(done: int, total: int) -> None:
        seen.append(len(list(scratch.glob("provenance-work-*/batches/*.done"))))

    options = ScanOptions(engine="dask", workers=2, batch_size=25)
    with Index.open(tmp_path / "dask.sqlite") as index:
        scan([corpus], index, options, progress=look)
    assert seen[0] >= 1 and seen[-1] == 6  # 150 documents in batches of 25, each staged
    assert list(scratch.iterdir()) == []  # shards and Dask's scratch space are gone
    assert json_report(tmp_path / "dask.sqlite") == local_report

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with Index.open(tmp_path / "stopped.sqlite") as index, pytest.raises(KeyboardInterrupt):
        scan([corpus], index, options, progress=interrupt)
    assert list(scratch.iterdir()) == []  # removed on Ctrl-C too


@needs_dask
def test_with_a_workdir_dask_shards_persist_and_a_rerun_skips_them(corpus, local_report, tmp_path):
    workdir = tmp_path / "work"
    args = ("--engine", "dask", "--workers", "2", "--batch-size", "25", "--workdir", str(workdir))
    assert scan_and_report(corpus, tmp_path / "first.sqlite", *args) == local_report
    shards = _shards(workdir)
    assert len([name for name in shards if name.endswith(".done")]) == 6
    assert scan_and_report(corpus, tmp_path / "again.sqlite", *args) == local_report
    assert _shards(workdir) == shards  # every shard read, none rewritten, nothing added


def test_a_workdir_a_worker_cannot_see_is_a_one_line_error(tmp_path):
    class Client:  # as distributed.Client.run answers when one worker has its own disk
        def run(self, function, *args):
            return {"tcp://10.0.0.5:4000": function(*args), "tcp://10.0.0.6:4000": False}

    with pytest.raises(ConfigError, match=r"not visible to the Dask worker\(s\) tcp://10.0.0.6:4000: put it on a file "
                                          r"system every worker mounts"):
        check_workdir_visible(Client(), str(tmp_path / "work"))  # type: ignore[arg-type]
    assert list((tmp_path / "work").iterdir()) == []  # the probe file is cleaned up
