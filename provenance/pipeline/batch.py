"""Process a batch of documents into columns: the unit of work of ``scan``, and the one
place the per-document stages are composed.

:func:`process_batch` runs the text stage of the native core over the whole batch
(``native/src/units.rs``: split -> normalise -> units with shingle sets, token streams
and anchors, one document per rayon task, without the GIL), then signs and bands *all
units of the batch at once* (one MinHash pass, one band-key pass) and returns a
:class:`ProcessedBatch`: numpy columns for paragraphs and units, the shingle sets
concatenated, and each document's compressed text. It is pure, so it runs unchanged in
a worker process or a Dask task; the parent stores it (:mod:`provenance.store.writer`).
:func:`~provenance.pipeline.build.process_document` is this function over one document.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np

from provenance._native import text_units as _native_text_units
from provenance.config import Config
from provenance.pipeline.boilerplate import is_pattern_boilerplate
from provenance.pipeline.lsh import band_keys
from provenance.pipeline.minhash import signatures_of_concatenated
from provenance.pipeline.normalise import fix_encoding
from provenance.records import Document

__all__ = ["ProcessedBatch", "process_batch"]

_EPOCH_US = 1_000_000
_TEXT_COMPRESSION = 6


@dataclass(slots=True)
class ProcessedBatch:
    """A batch of documents as columns.

    Paragraph columns are aligned (one entry per paragraph, ``paragraph_doc`` the
    document's position in :attr:`documents`, ``paragraph_start``/``paragraph_end`` its
    ``str`` span, ``paragraph_words`` its normalised word count, ``paragraph_fingerprint``
    the signed xxh3-64 of its space-joined words, ``paragraph_pattern`` whether every
    line matches a built-in boilerplate pattern); so are unit columns (``unit_paragraph``
    the paragraph's position in its document, ``unit_content_key`` the signed xxh3-64 of
    the shingle set), whose shingle sets are
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
    columns = _native_text_units(
        [document.text for document in documents],
        [document.body_start for document in documents],
        (config.segment.min_words, config.shingle.size, config.align.anchor_size, config.align.anchor_window),
        fix_encoding,
        is_pattern_boilerplate if config.boilerplate.use_builtin_patterns else None,
    )
    signatures = signatures_of_concatenated(columns["shingles"], columns["shingle_offsets"], config.minhash)
    encoded = [document.text.encode("utf-8", "surrogatepass") for document in documents]
    return ProcessedBatch(
        documents=list(documents) if keep_documents else [],
        compressed_texts=[zlib.compress(data, _TEXT_COMPRESSION) for data in encoded],
        published_us=[_published_us(document) for document in documents],
        keys=band_keys(signatures, config.num_bands, config.rows_per_band),
        text_bytes=sum(len(data) for data in encoded),
        **columns,
    )
