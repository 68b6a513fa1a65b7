"""Keys the renderers rely on, added to the report model (schema_version 1 keeps its keys)."""

from __future__ import annotations

import pytest

from tests.report.conftest import COPY, ORIGIN


def test_body_shares_split_each_article_into_original_reused_and_boilerplate(seed_corpus):
    documents = {d["path"]: d for d in seed_corpus.report["documents"]}
    for document in documents.values():
        shares = document["body_shares"]
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-5)
        assert all(0.0 <= value <= 1.0 for value in shares.values())
    assert documents[COPY]["body_shares"]["reused"] > 0.2
    assert documents[ORIGIN]["body_shares"]["reused"] == 0.0  # being copied leaves it original
    assert documents[ORIGIN]["body_shares"]["boilerplate"] > 0.0  # its two video promos
