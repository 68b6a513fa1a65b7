"""A processed batch holds exactly what per-document processing gives (the definition
``provenance doctor`` checks stored documents against)."""

from __future__ import annotations

import zlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import Config, SegmentConfig
from provenance.pipeline.batch import process_batch
from provenance.pipeline.build import process_document
from provenance.records import Document
from tests.conftest import article, prose


def _documents() -> list[Document]:
    texts = [
        article("https://a.example/2020/01/01/x/", "2020-01-01 10:00:00", "A", [prose(1), prose(2, 1), "Short one."]),
        article(None, None, "Empty body", []),
        article("https://b.example/x", "2020-01-02 00:00:00", "B", [prose(1), prose(3, 5)]),
    ]
    return [Document(path=f"{i}.txt", source=f"/x/{i}.txt", text=text, content_hash=str(i), encoding="utf-8")
            for i, text in enumerate(texts)]


def test_batch_columns_equal_per_document_processing():
    config = Config()
    documents = _documents()
    batch = process_batch(documents, config)
    unit = 0
    for position, document in enumerate(documents):
        expected = process_document(document, config)
        mine = batch.paragraph_doc == position
        assert batch.paragraph_start[mine].tolist() == [p.start for p in expected.paragraphs]
        assert batch.paragraph_fingerprint[mine].tolist() == [fp for _, fp in expected.stats]
        for item, keys in zip(expected.units, expected.keys, strict=True):
            assert batch.unit_doc[unit] == position
            assert (batch.unit_start[unit], batch.unit_end[unit]) == (item.start, item.end)
            assert bool(batch.unit_is_segment[unit]) == (item.kind == "segment")
            assert batch.unit_content_key[unit] == item.text_hash
            shingles = batch.shingles[batch.shingle_offsets[unit]:batch.shingle_offsets[unit + 1]]
            assert np.array_equal(shingles, item.shingles)
            assert np.array_equal(batch.keys[unit], keys)
            unit += 1
        assert zlib.decompress(batch.compressed_texts[position]).decode() == document.text
    assert unit == batch.num_units


def test_workers_can_leave_the_texts_behind():
    batch = process_batch(_documents(), Config(), keep_documents=False)
    assert batch.documents == [] and len(batch.compressed_texts) == 3


def test_an_empty_batch_is_fine():
    batch = process_batch([], Config())
    assert batch.num_units == 0 and batch.keys.shape[0] == 0


_COLUMNS = ("paragraph_start", "paragraph_end", "paragraph_words", "paragraph_fingerprint", "paragraph_pattern",
            "unit_paragraph", "unit_is_segment", "unit_start", "unit_end", "unit_words", "unit_content_key",
            "shingles", "keys", "anchor_values")
_WORDS = st.sampled_from(["The", "mayor", "said", "Mr.", "U.S.", "café", "Russiaâ€™s", "“quoted”", "½", "__",
                          "Advertisement", "2020", ".", "!", " ", "\n", "\n\n", "\u00a0", "\ud800"])


@given(st.lists(st.lists(_WORDS, max_size=120).map(" ".join), max_size=6))
@settings(max_examples=60, deadline=None)
def test_a_batch_equals_the_same_documents_one_by_one(texts):
    config = Config(segment=SegmentConfig(min_words=4))
    documents = [Document(path=f"{i}.txt", source=f"/x/{i}.txt", text=text, content_hash=str(i), encoding="utf-8")
                 for i, text in enumerate(texts)]
    batch = process_batch(documents, config)
    alone = [process_batch([document], config) for document in documents]
    for name in _COLUMNS:
        expected = [getattr(one, name) for one in alone]
        assert np.array_equal(getattr(batch, name), np.concatenate(expected) if expected else getattr(batch, name))
    assert batch.unit_tokens == [tokens for one in alone for tokens in one.unit_tokens]
    assert batch.unit_doc.tolist() == [i for i, one in enumerate(alone) for _ in range(one.num_units)]
