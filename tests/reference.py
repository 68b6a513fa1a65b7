"""Slow, obviously-correct references the tests compare the vectorised code against."""

from __future__ import annotations

from collections.abc import Iterable


def connected_components(edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Union-find: id -> smallest id of its component."""
    parent: dict[int, int] = {}

    def find(item: int) -> int:
        parent.setdefault(item, item)
        while parent[item] != item:
            item = parent[item]
        return item

    for left, right in edges:
        a, b = find(left), find(right)
        parent[max(a, b)] = min(a, b)
    return {item: find(item) for item in parent}
