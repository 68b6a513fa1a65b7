"""Fixtures the store tests share."""

from __future__ import annotations

import pytest


@pytest.fixture
def forgotten_drafts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the drafts refreshes forget from now on (redone, not left as they were)."""
    from provenance.store import findings

    forgotten: list[int] = []
    original = findings.forget_drafts

    def forget(db, ids):  # type: ignore[no-untyped-def]
        ids = list(ids)
        forgotten.extend(ids)
        return original(db, ids)

    monkeypatch.setattr(findings, "forget_drafts", forget)
    return forgotten
