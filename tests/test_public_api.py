from __future__ import annotations

import provenance


def test_public_api_is_explicit_and_importable():
    assert sorted(provenance.__all__) == sorted(set(provenance.__all__))
    for name in provenance.__all__:
        assert getattr(provenance, name) is not None
