"""How much of an article's text is reused: the one place the share maths lives.

A document's *counted* spans are its paragraphs with words that are not boilerplate;
a reused share is the part of those characters that findings' copied spans cover, each
character counted once however many findings cover it. The report and ``check`` both
use these, so their shares agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["covered_chars", "covered_share", "overlaps", "union_length"]

Span = tuple[int, int]


def union_length(spans: Iterable[Span]) -> int:
    """Characters covered by possibly overlapping ``[start, end)`` spans."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def overlaps(span: Span, others: Iterable[Span]) -> bool:
    """Whether ``span`` shares a character with any of ``others``."""
    start, end = span
    return any(other_start < end and start < other_end for other_start, other_end in others)


def covered_chars(copied: Sequence[Span], counted: Sequence[Span]) -> int:
    """Characters of the ``counted`` spans inside some ``copied`` span."""
    return union_length([(max(cs, s), min(ce, e)) for cs, ce in copied for s, e in counted if cs < e and s < ce])


def covered_share(copied: Sequence[Span], counted: Sequence[Span]) -> float:
    """Share of the ``counted`` spans' characters inside ``copied`` spans (0 when none count)."""
    total = sum(e - s for s, e in counted)
    return 0.0 if total == 0 else covered_chars(copied, counted) / total
