"""Verify candidate pairs on their exact shingle sets.

LSH only proposes; the similarity we report is the exact Jaccard of the two units'
shingle sets, so a finding never rests on an estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from provenance.config import VerifyConfig

__all__ = ["jaccard", "shared_count", "verify_pairs"]


def shared_count(left: np.ndarray, right: np.ndarray) -> int:
    """Size of the intersection of two sorted unique uint32 arrays."""
    if len(left) == 0 or len(right) == 0:
        return 0
    return int(np.intersect1d(left, right, assume_unique=True).size)


def jaccard(left: np.ndarray, right: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique arrays (0.0 when both are empty)."""
    shared = shared_count(left, right)
    union = len(left) + len(right) - shared
    return shared / union if union else 0.0


def verify_pairs(
    pairs: Iterable[tuple[int, int]], shingles_of: Callable[[int], np.ndarray], config: VerifyConfig
) -> list[tuple[int, int, float, int]]:
    """``(a, b, similarity, shared)`` for pairs at or above the configured thresholds."""
    verified = []
    for a, b in pairs:
        left, right = shingles_of(a), shingles_of(b)
        shared = shared_count(left, right)
        if shared < config.min_shared_shingles:
            continue
        similarity = shared / (len(left) + len(right) - shared)
        if similarity >= config.min_similarity:
            verified.append((a, b, similarity, shared))
    return verified
