"""``scan --workdir``: per-batch Parquet shards with completion markers; a rerun reads
complete shards instead of recomputing, and the report does not change."""

from __future__ import annotations

from dataclasses import fields
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from provenance.config import Config
from provenance.execution.shards import read_shard, shard_key, sharded, write_shard
from provenance.pipeline.batch import ProcessedBatch, process_batch
from provenance.pipeline.load import iter_sources, load_document


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


def test_scans_through_a_workdir_give_the_same_report(run_cli, seeds_dir, tmp_path):
    def report(index: str, *args: str) -> str:
        assert run_cli("scan", str(seeds_dir), "--index", index, "-q", "--workers", "1", "--batch-size", "2", *args).code == 0
        return run_cli("report", "--format", "json", "--index", index).out

    plain = report("plain.sqlite")
    assert report("first.sqlite", "--workdir", str(tmp_path / "work")) == plain
    assert len(list((tmp_path / "work" / "batches").glob("*.done"))) >= 2
    assert report("again.sqlite", "--workdir", str(tmp_path / "work")) == plain  # read from the shards
