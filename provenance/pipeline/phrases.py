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

from collections.abc import Mapping

import numpy as np

from provenance._native import stretch_anchors as _native_stretch_anchors
from provenance.config import Config
from provenance.pipeline.arrays import unique_inverse
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
    """The stretches of a copy span that may be stock: every word range
    ``[firsts[i], lasts[i])`` of at least ``anchor_size`` words, with its anchors as a
    text of its own, ``values[bounds[i]:bounds[i + 1]]`` (made natively in one call:
    a 30-word span has ~350 stretches)."""

    __slots__ = ("bounds", "firsts", "lasts", "values", "words")

    def __init__(self, words: int, firsts: np.ndarray, lasts: np.ndarray, bounds: np.ndarray,
                 values: np.ndarray) -> None:
        self.words, self.firsts, self.lasts, self.bounds, self.values = words, firsts, lasts, bounds, values

    @property
    def ranges(self) -> list[tuple[int, int]]:
        """The stretches as ``(first, last)`` word ranges."""
        return list(zip(self.firsts.tolist(), self.lasts.tolist(), strict=True))

    def all_anchors(self) -> np.ndarray:
        """Every anchor of every stretch (to look their counts up at once)."""
        return self.values


def stock_windows(text: str, start: int, end: int, config: Config) -> StockWindows:
    """Every stretch of ``text[start:end]`` long enough to have an anchor."""
    words, _, _ = tokenise_columns(text, start, end)
    firsts, lasts, bounds, values = _native_stretch_anchors(
        word_hashes(words), config.align.anchor_size, config.align.anchor_window)
    return StockWindows(len(words), firsts, lasts, bounds, values)


def novel_words(matched: int, windows: StockWindows, counts: Mapping[int, int], config: Config) -> int | None:
    """Matched words outside the stock stretches (those whose every anchor at least
    ``align.stock_units`` paragraphs hold; their words count as matched), or ``None``
    when the span has no stock stretch."""
    distinct, inverse = unique_inverse(windows.values)
    held = np.fromiter((counts.get(value, 0) >= config.align.stock_units for value in distinct.tolist()), dtype=bool,
                       count=len(distinct))
    missing = np.concatenate([[0], np.cumsum(~held[inverse])])
    bounds = windows.bounds
    stock = (bounds[1:] > bounds[:-1]) & (missing[bounds[1:]] == missing[bounds[:-1]])
    edges = np.zeros(windows.words + 1, dtype=np.int64)
    np.add.at(edges, windows.firsts[stock], 1)
    np.add.at(edges, windows.lasts[stock], -1)
    covered = int(np.count_nonzero(np.cumsum(edges[:-1])))
    return max(0, matched - covered) if covered else None


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
