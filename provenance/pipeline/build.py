"""Compose the per-document stages: split -> normalise/shingle -> MinHash -> band keys.

:func:`process_document` is pure (text in, arrays out) so it can run in worker
processes; the parent stores what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import numpy as np
import xxhash

from provenance.config import Config
from provenance.pipeline.boilerplate import is_pattern_boilerplate
from provenance.pipeline.lsh import band_keys, lsh_params
from provenance.pipeline.minhash import build_signatures
from provenance.pipeline.shingle import build_units
from provenance.pipeline.split import split_document
from provenance.records import Document, Paragraph, Unit

__all__ = ["ProcessedDocument", "process_document"]

_EPOCH_US = 1_000_000


@dataclass(slots=True)
class ProcessedDocument:
    """A document with its paragraphs, units and the band keys of each unit."""

    document: Document
    paragraphs: list[Paragraph]
    stats: list[tuple[int, int]]
    units: list[Unit]
    keys: np.ndarray

    @property
    def published_us(self) -> int | None:
        moment = self.document.published
        if moment is None:
            return None
        return int(moment.astimezone(UTC).timestamp() * _EPOCH_US)


def _content_key(shingles: np.ndarray) -> int:
    value = xxhash.xxh3_64_intdigest(np.asarray(shingles, dtype="<u4").tobytes())
    return value - (1 << 64) if value >= 1 << 63 else value


def process_document(document: Document, config: Config) -> ProcessedDocument:
    """Split, shingle, sign and band one document."""
    pattern = is_pattern_boilerplate if config.boilerplate.use_builtin_patterns else (lambda line: False)
    paragraphs = split_document(document.text, document.body_start, config.segment.min_words, pattern)
    units, stats = build_units(document, paragraphs, config)
    for unit in units:
        unit.text_hash = _content_key(unit.shingles)
    num_bands, rows_per_band = lsh_params(
        config.lsh.threshold, config.minhash.num_perm, config.lsh.false_positive_weight, config.lsh.false_negative_weight
    )
    signatures = build_signatures([unit.shingles for unit in units], config.minhash)
    keys = band_keys(signatures, num_bands, rows_per_band)
    return ProcessedDocument(document, paragraphs, stats, units, keys)
