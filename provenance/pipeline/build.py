"""One document through the batch stages: what ``provenance doctor`` compares a stored
document against.

:func:`process_document` is :func:`~provenance.pipeline.batch.process_batch` over a batch
of one, seen as records (:class:`~provenance.records.Paragraph`,
:class:`~provenance.records.Unit`) instead of columns, so there is one definition of
paragraphs, units and band keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import numpy as np

from provenance.config import Config
from provenance.pipeline.batch import process_batch
from provenance.pipeline.boilerplate import is_pattern_boilerplate
from provenance.pipeline.split import split_document
from provenance.records import Document, Paragraph, Unit

__all__ = ["ProcessedDocument", "process_document"]

_EPOCH_US = 1_000_000


@dataclass(slots=True)
class ProcessedDocument:
    """A document with its paragraphs, per-paragraph ``(words, fingerprint)``, units and
    the band keys of each unit."""

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


def process_document(document: Document, config: Config) -> ProcessedDocument:
    """Split, shingle, sign and band one document."""
    batch = process_batch([document], config)
    patterns = is_pattern_boilerplate if config.boilerplate.use_builtin_patterns else None
    paragraphs = split_document(document.text, document.body_start, config.segment.min_words, patterns)
    stats = list(zip(batch.paragraph_words.tolist(), batch.paragraph_fingerprint.tolist(), strict=True))
    offsets = batch.shingle_offsets.tolist()
    units = [
        Unit(paragraph, "segment" if segment else "paragraph", start, end,
             batch.shingles[offsets[i] : offsets[i + 1]], words, key, tokens,
             None if segment else batch.anchor_values[batch.anchor_unit == i])
        for i, (paragraph, segment, start, end, words, key, tokens) in enumerate(zip(
            batch.unit_paragraph.tolist(), batch.unit_is_segment.tolist(), batch.unit_start.tolist(),
            batch.unit_end.tolist(), batch.unit_words.tolist(), batch.unit_content_key.tolist(), batch.unit_tokens,
            strict=True))
    ]
    return ProcessedDocument(document, paragraphs, stats, units, batch.keys)
