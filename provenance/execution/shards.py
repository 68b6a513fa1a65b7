"""Per-batch stage outputs as Parquet shards in a work directory, with completion markers.

``scan --workdir DIR`` wraps the per-batch stage (:func:`~provenance.pipeline.batch.process_batch`)
in a :class:`ShardedStage`: before computing a batch it looks for a complete shard of
that batch's *content* and reads it instead; after computing, it writes the shard and
then its marker. Whichever engine runs the stage (in-process, a spawn pool, Dask
workers), a rerun after a crash, Ctrl-C or a lost cluster skips the batches already
computed, even those that were never committed to the index.

A shard is named by a hash of what the stage's output depends on (the matching config
fingerprint and, per document, its text, body start and publication instant), so a
changed file or another config never reads a stale shard, and the same batch computed
twice writes the same name. Layout, per batch ``KEY``::

    DIR/batches/KEY.documents.parquet   compressed text, publication instant (µs, UTC)
    DIR/batches/KEY.paragraphs.parquet  one row per paragraph
    DIR/batches/KEY.units.parquet       one row per unit: spans, shingle set, band keys
    DIR/batches/KEY.done                written last: the shard is complete

The shard is written where the stage runs: with ``--scheduler``, ``DIR`` must be on a
file system every worker shares (or leave ``--workdir`` out).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xxhash

from provenance.config import Config
from provenance.execution.local import after_polars_import
from provenance.pipeline.batch import ProcessedBatch, process_batch
from provenance.records import Document

after_polars_import()  # a local worker keeps ignoring Ctrl-C (see provenance.execution.local)

__all__ = ["ShardedStage", "read_shard", "shard_key", "sharded", "stage_in", "write_shard"]

_PARTS = ("documents", "paragraphs", "units", "anchors")
_PARAGRAPH_COLUMNS = ("paragraph_doc", "paragraph_start", "paragraph_end", "paragraph_words", "paragraph_fingerprint")
_UNIT_COLUMNS = ("unit_doc", "unit_paragraph", "unit_start", "unit_end", "unit_words", "unit_content_key")


def shard_key(documents: Sequence[Document], fingerprint: str) -> str:
    """Hex name of a batch's shard: equal exactly when the stage output must be equal."""
    digest = xxhash.xxh3_128(fingerprint.encode())
    for document in documents:
        published = document.published.astimezone(UTC).isoformat() if document.published else ""
        digest.update(f"\0{len(document.text)}\0{document.body_start}\0{published}\0".encode())
        digest.update(document.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def write_shard(batch: ProcessedBatch, directory: Path, key: str) -> None:
    """Write the Parquet parts, then the marker (atomic renames, so a reader never
    sees a part half-written and a marker always means all parts are complete)."""
    directory.mkdir(parents=True, exist_ok=True)
    offsets = batch.shingle_offsets
    frames = {
        "documents": pl.DataFrame({"compressed_text": batch.compressed_texts, "published_us": batch.published_us},
                                  schema={"compressed_text": pl.Binary, "published_us": pl.Int64}),
        "paragraphs": pl.DataFrame({**{name: getattr(batch, name) for name in _PARAGRAPH_COLUMNS},
                                    "paragraph_pattern": batch.paragraph_pattern}),
        "units": pl.DataFrame({
            **{name: getattr(batch, name) for name in _UNIT_COLUMNS},
            "unit_is_segment": batch.unit_is_segment,
            "shingles": pl.Series([batch.shingles[offsets[i] : offsets[i + 1]] for i in range(batch.num_units)],
                                  dtype=pl.List(pl.UInt32)),
            "keys": pl.Series(list(batch.keys), dtype=pl.List(pl.Int64)),
            "tokens": pl.Series(batch.unit_tokens, dtype=pl.Binary),
        }),
        "anchors": pl.DataFrame({"value": batch.anchor_values, "unit": batch.anchor_unit},
                                schema={"value": pl.Int64, "unit": pl.Int64}),
    }
    for part, frame in frames.items():
        target = directory / f"{key}.{part}.parquet"
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        frame.write_parquet(temporary)
        os.replace(temporary, target)
    marker = directory / f"{key}.done"
    marker.with_name(f"{marker.name}.{os.getpid()}.tmp").write_text(f"{batch.text_bytes}\n")
    os.replace(marker.with_name(f"{marker.name}.{os.getpid()}.tmp"), marker)


def read_shard(directory: Path, key: str, num_bands: int) -> ProcessedBatch | None:
    """The batch stored under ``key``, or ``None`` unless its marker says it is complete."""
    marker = directory / f"{key}.done"
    if not marker.exists():
        return None
    documents, paragraphs, units, anchors = (pl.read_parquet(directory / f"{key}.{part}.parquet") for part in _PARTS)
    lengths = units["shingles"].list.len().to_numpy().astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    shingles = units["shingles"].explode().drop_nulls().to_numpy().astype(np.uint32)
    keys = units["keys"].explode().drop_nulls().to_numpy().astype(np.int64).reshape(len(units), num_bands)
    return ProcessedBatch(
        documents=[],
        compressed_texts=documents["compressed_text"].to_list(),
        published_us=documents["published_us"].to_list(),
        **{name: paragraphs[name].to_numpy().astype(np.int64) for name in _PARAGRAPH_COLUMNS},
        paragraph_pattern=paragraphs["paragraph_pattern"].to_numpy().astype(bool),
        **{name: units[name].to_numpy().astype(np.int64) for name in _UNIT_COLUMNS},
        unit_is_segment=units["unit_is_segment"].to_numpy().astype(bool),
        shingle_offsets=offsets, shingles=shingles, keys=keys,
        text_bytes=int(marker.read_text().strip() or 0),
        unit_tokens=units["tokens"].to_list(),
        anchor_values=anchors["value"].to_numpy().astype(np.int64),
        anchor_unit=anchors["unit"].to_numpy().astype(np.int64),
    )


@dataclass(frozen=True, slots=True)
class ShardedStage:
    """``function`` (documents -> :class:`ProcessedBatch`) made resumable through shards
    under ``workdir/batches``. Picklable, so it runs wherever ``function`` would."""

    function: Callable[[Sequence[Document]], ProcessedBatch]
    workdir: str
    fingerprint: str
    num_bands: int

    def __call__(self, documents: Sequence[Document]) -> ProcessedBatch:
        directory = Path(self.workdir) / "batches"
        key = shard_key(documents, self.fingerprint)
        stored = read_shard(directory, key, self.num_bands)
        if stored is not None:
            return stored
        batch = self.function(documents)
        write_shard(batch, directory, key)
        return batch


def sharded(function: Callable[[Sequence[Document]], ProcessedBatch], workdir: str | os.PathLike[str],
            config: Config) -> ShardedStage:
    """``function`` (the batch stage for ``config``) wrapped to keep shards in ``workdir``."""
    return ShardedStage(function, os.fspath(workdir), config.fingerprint, config.num_bands)


def stage_in(function: Callable[..., Any], workdir: str | os.PathLike[str]) -> Callable[..., Any]:
    """``function`` made resumable in ``workdir`` when it is the batch stage
    (``partial(process_batch, config=...)``, as ``scan`` maps it) and not already
    sharded; any other function is returned as it is (it has no shard format)."""
    if isinstance(function, partial) and function.func is process_batch and not function.args:
        config = function.keywords.get("config")
        if isinstance(config, Config):
            return sharded(function, workdir, config)
    return function
