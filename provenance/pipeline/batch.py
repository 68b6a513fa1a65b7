"""Process a batch of documents into columns: the unit of work of ``scan``.

:func:`process_batch` runs split -> normalise/shingle per document (text work), then
signs and bands *all units of the batch at once* (one MinHash pass, one band-key pass)
and returns a :class:`ProcessedBatch`: numpy columns for paragraphs and units, the
shingle sets concatenated, and each document's compressed text. It is pure, so it runs
unchanged in a worker process; what it returns pickles as a handful of arrays, not one
Python object per unit. The parent stores it (:mod:`provenance.store.writer`).

Units, keys and content keys are exactly those :func:`~provenance.pipeline.build.process_document`
gives (tested), so ``provenance doctor`` and incremental scans see one definition.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np

from provenance.config import Config
from provenance.pipeline.boilerplate import is_pattern_boilerplate
from provenance.pipeline.build import _content_key
from provenance.pipeline.lsh import band_keys, lsh_params
from provenance.pipeline.minhash import build_signatures
from provenance.pipeline.shingle import build_units
from provenance.pipeline.split import split_document
from provenance.records import Document

__all__ = ["ProcessedBatch", "process_batch"]

_EPOCH_US = 1_000_000
_TEXT_COMPRESSION = 6


@dataclass(slots=True)
class ProcessedBatch:
    """A batch of documents as columns.

    Paragraph columns are aligned (one entry per paragraph, ``paragraph_doc`` the
    document's position in :attr:`documents`); so are unit columns, whose shingle sets are
    ``shingles[shingle_offsets[i]:shingle_offsets[i + 1]]`` and band keys ``keys[i]``.
    """

    documents: list[Document]
    compressed_texts: list[bytes]
    published_us: list[int | None]
    paragraph_doc: np.ndarray
    paragraph_start: np.ndarray
    paragraph_end: np.ndarray
    paragraph_words: np.ndarray
    paragraph_fingerprint: np.ndarray
    paragraph_pattern: np.ndarray
    unit_doc: np.ndarray
    unit_paragraph: np.ndarray
    unit_is_segment: np.ndarray
    unit_start: np.ndarray
    unit_end: np.ndarray
    unit_words: np.ndarray
    unit_content_key: np.ndarray
    shingle_offsets: np.ndarray
    shingles: np.ndarray
    keys: np.ndarray
    text_bytes: int = 0
    #: Paragraph units' token streams (``b""`` for segments), see :mod:`~provenance.pipeline.anchors`.
    unit_tokens: list[bytes] = field(default_factory=list)
    #: Anchors as pairs of columns: value, and the unit's position in this batch.
    anchor_values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    anchor_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def num_units(self) -> int:
        return len(self.unit_doc)


def _published_us(document: Document) -> int | None:
    if document.published is None:
        return None
    return int(document.published.astimezone(UTC).timestamp() * _EPOCH_US)


def process_batch(documents: Sequence[Document], config: Config, *, keep_documents: bool = True) -> ProcessedBatch:
    """Split, shingle, sign and band a batch of documents (see the module docstring).

    ``keep_documents=False`` leaves :attr:`ProcessedBatch.documents` empty: a worker
    process need not send the texts back to a parent that already has them.
    """
    pattern = is_pattern_boilerplate if config.boilerplate.use_builtin_patterns else (lambda line: False)
    paragraph_cols: list[list[int]] = [[], [], [], [], [], []]
    unit_cols: list[list[int]] = [[], [], [], [], [], [], []]
    sets: list[np.ndarray] = []
    tokens: list[bytes] = []
    anchors: list[np.ndarray] = []
    anchor_units: list[int] = []
    for position, document in enumerate(documents):
        paragraphs = split_document(document.text, document.body_start, config.segment.min_words, pattern)
        units, stats = build_units(document, paragraphs, config)
        for paragraph, (words, fingerprint) in zip(paragraphs, stats, strict=True):
            for column, value in zip(paragraph_cols, (position, paragraph.start, paragraph.end, words, fingerprint,
                                                      int(paragraph.boilerplate_pattern)), strict=True):
                column.append(value)
        for unit in units:
            for column, value in zip(unit_cols, (position, unit.paragraph, int(unit.kind == "segment"), unit.start,
                                                 unit.end, unit.words, _content_key(unit.shingles)), strict=True):
                column.append(value)
            if unit.anchors is not None and len(unit.anchors):
                anchors.append(unit.anchors)
                anchor_units.extend([len(sets)] * len(unit.anchors))
            sets.append(unit.shingles)
            tokens.append(unit.tokens)
    num_bands, rows_per_band = lsh_params(
        config.lsh.threshold, config.minhash.num_perm, config.lsh.false_positive_weight, config.lsh.false_negative_weight
    )
    keys = band_keys(build_signatures(sets, config.minhash), num_bands, rows_per_band)
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    encoded = [document.text.encode("utf-8", "surrogatepass") for document in documents]
    p_doc, p_start, p_end, p_words, p_fp, p_pattern = (np.asarray(c, dtype=np.int64) for c in paragraph_cols)
    u_doc, u_par, u_seg, u_start, u_end, u_words, u_key = (np.asarray(c, dtype=np.int64) for c in unit_cols)
    return ProcessedBatch(
        documents=list(documents) if keep_documents else [],
        compressed_texts=[zlib.compress(data, _TEXT_COMPRESSION) for data in encoded],
        published_us=[_published_us(document) for document in documents],
        paragraph_doc=p_doc, paragraph_start=p_start, paragraph_end=p_end, paragraph_words=p_words,
        paragraph_fingerprint=p_fp, paragraph_pattern=p_pattern.astype(bool),
        unit_doc=u_doc, unit_paragraph=u_par, unit_is_segment=u_seg.astype(bool), unit_start=u_start,
        unit_end=u_end, unit_words=u_words, unit_content_key=u_key,
        shingle_offsets=offsets,
        shingles=np.concatenate(sets).astype(np.uint32) if sets else np.zeros(0, np.uint32),
        keys=keys,
        text_bytes=sum(len(data) for data in encoded),
        unit_tokens=tokens,
        anchor_values=np.concatenate(anchors) if anchors else np.zeros(0, np.int64),
        anchor_unit=np.asarray(anchor_units, dtype=np.int64),
    )
