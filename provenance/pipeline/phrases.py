"""Stock phrases: short regions made only of phrases that many articles use.

"The company did not immediately respond to a request for comment" is twelve words
that independent reports share verbatim. Boilerplate detection catches lines one site
repeats; this catches phrases many sites use. A stretch of the copy span of at least
``align.anchor_size`` words is *stock* when every anchor it has as a text of its own (see
:mod:`provenance.pipeline.anchors`) is held by at least ``align.stock_units`` (8)
paragraphs of the index: a formula ("pleaded not guilty and was released on bail").
A short finding (fewer than ``3 * --min-words`` matched words) with a stock stretch is
dropped when its matched words **outside** those stretches number fewer than
``--min-words``: two
formulas that an alignment bridged ("the court heard. … did not immediately respond to
a request for comment"), or a formula plus a coincidental next word, are no passage
copied from one origin. A reused paragraph is long, so wire copy reprinted everywhere
stays a finding; the price is a short sentence that one origin lent to four or more
articles and that nothing else of the origin accompanies.
"""

from __future__ import annotations

import numpy as np

from provenance.config import Config
from provenance.pipeline.anchors import winnowed_anchors
from provenance.pipeline.cluster import Finding
from provenance.pipeline.normalise import tokenise_columns
from provenance.pipeline.shingle import word_hashes

__all__ = ["StockWindows", "is_short", "lone_notices", "novel_words", "stock_windows"]

#: Findings below this many times ``--min-words`` matched words are checked for stock phrases.
_SHORT = 3
#: Notices repeat word for word but for a slot ("amended on Monday"): 12 of 13 words.
_NOTICE_SIMILARITY = 0.9
#: Notices are a sentence or two: at most this many times ``--min-words`` matched words.
_NOTICE_WORDS = 3


def is_short(matched: int, config: Config) -> bool:
    """Whether a finding is short enough to be checked for stock phrases."""
    return matched < _SHORT * config.segment.min_words


class StockWindows:
    """The stretches of a copy span that may be stock: ``(first, last)`` word ranges of
    at least ``anchor_size`` words, each with its anchors as a text of its own."""

    __slots__ = ("anchors", "ranges", "words")

    def __init__(self, words: int, ranges: list[tuple[int, int]], anchors: list[np.ndarray]) -> None:
        self.words, self.ranges, self.anchors = words, ranges, anchors

    def all_anchors(self) -> np.ndarray:
        """Every anchor of every stretch (to look their counts up at once)."""
        return np.concatenate(self.anchors) if self.anchors else np.empty(0, dtype=np.int64)


def stock_windows(text: str, start: int, end: int, config: Config) -> StockWindows:
    """Every stretch of ``text[start:end]`` long enough to have an anchor."""
    words, _, _ = tokenise_columns(text, start, end)
    hashes = word_hashes(words)
    size, window = config.align.anchor_size, config.align.anchor_window
    ranges = [(first, last) for first in range(len(words) - size + 1) for last in range(first + size, len(words) + 1)]
    anchors = [winnowed_anchors(hashes[first:last], size, window) for first, last in ranges]
    return StockWindows(len(words), ranges, anchors)


def novel_words(matched: int, windows: StockWindows, counts: dict[int, int], config: Config) -> int | None:
    """Matched words outside the stock stretches (those whose every anchor at least
    ``align.stock_units`` paragraphs hold; their words count as matched), or ``None``
    when the span has no stock stretch."""
    covered = np.zeros(windows.words, dtype=bool)
    for (first, last), anchors in zip(windows.ranges, windows.anchors, strict=True):
        if len(anchors) and all(counts.get(int(value), 0) >= config.align.stock_units for value in anchors):
            covered[first:last] = True
    stock = int(covered.sum())
    return max(0, matched - stock) if stock else None


def lone_notices(findings: list[Finding], config: Config) -> set[int]:
    """Positions of findings that are notices shared across outlets, not reuse: the
    findings of a cluster whose passage is short (at most three times ``--min-words``
    matched words: 24), where most article pairs share nothing else, and which is carried
    word for word by at least ``boilerplate.min_documents`` articles (4), or all but
    word for word (similarity at least 0.9: a notice with a slot, "amended on Monday")
    by twice as many. A helpline line or "Additional reporting by" travels alone and
    unchanged, even between related articles; a wire passage reprinted by several papers
    comes with the rest of its story, and a chain of sub-edited copies drifts further."""
    docs: dict[int, set[int]] = {}
    lowest: dict[int, float] = {}
    longest: dict[int, int] = {}
    pairs: dict[int, set[tuple[int, int]]] = {}
    clusters_of: dict[tuple[int, int], set[int]] = {}
    for f in findings:
        docs.setdefault(f.cluster, set()).update((f.origin_doc, f.copy_doc))
        lowest[f.cluster] = min(lowest.get(f.cluster, 1.0), f.similarity)
        longest[f.cluster] = max(longest.get(f.cluster, 0), f.matched)
        pairs.setdefault(f.cluster, set()).add(_pair(f))
        clusters_of.setdefault(_pair(f), set()).add(f.cluster)
    needed = config.boilerplate.min_documents
    notices = {
        cluster for cluster, members in docs.items()
        if longest[cluster] <= _NOTICE_WORDS * config.segment.min_words
        and (len(members) >= needed if lowest[cluster] >= 1.0 else
             len(members) >= needed + 1 and lowest[cluster] >= _NOTICE_SIMILARITY)
        and 2 * sum(len(clusters_of[pair]) == 1 for pair in pairs[cluster]) > len(pairs[cluster])
    }
    return {i for i, f in enumerate(findings) if f.cluster in notices}


def _pair(finding: Finding) -> tuple[int, int]:
    return min(finding.origin_doc, finding.copy_doc), max(finding.origin_doc, finding.copy_doc)
