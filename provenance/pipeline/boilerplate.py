"""Recognise boilerplate: lines sites repeat that are not anybody's reporting.

Two signals, both kept out of the reuse findings and listed separately in reports:

* built-in patterns for the furniture scrapers pick up everywhere (video promos such as
  ``JUST WATCHED ... Replay More Videos``, comment and paywall prompts, newsletter,
  copyright and "follow us" lines);
* repetition: a short paragraph (at most ``max_words``) whose normalised text occurs in
  at least ``min_documents`` articles of one site. That is computed over the whole index
  (see :func:`provenance.store.index.Index.refresh_boilerplate`), so the answer does not
  depend on which scan an article arrived in.

The patterns are Python ``re``; the native text stage asks :func:`is_pattern_boilerplate`
only about lines its prefilter (``may_be_boilerplate`` in ``native/src/split.rs``) finds
could match, i.e. lines starting with or containing a pattern's phrase (and any line with
a non-ASCII character). A new pattern needs its phrase there too (tested).
"""

from __future__ import annotations

import re

__all__ = ["BUILTIN_PATTERNS", "is_pattern_boilerplate"]

BUILTIN_PATTERNS: tuple[str, ...] = (
    r"^JUST WATCHED\b.*\bReplay More Videos\b",
    r"^MUST WATCH\b",
    r"\bReplay More Videos\b",
    r"^(?:please )?let us know if you'?re having (?:issues|trouble) with commenting\.?$",
    r"^to read the full (?:story|article)\b",
    r"^are you already a subscriber\??$",
    r"^click (?:here )?to (?:log|sign) in!?\.?$",
    r"^(?:subscribe|sign up)\b.{0,80}\b(?:newsletter|inbox|updates)\b",
    r"^(?:copyright|\(c\)|©)\s*(?:\d{4})?.{0,80}\ball rights reserved\b",
    r"\ball rights reserved\.?$",
    r"^follow (?:us|\w+) on (?:twitter|facebook|instagram|x)\b",
    r"^(?:advertisement|sponsored content|related:?|read more:?)$",
    r"^this (?:article|story) (?:was|has been) (?:updated|corrected)\b.{0,60}$",
)
_COMPILED = tuple(re.compile(pattern, re.IGNORECASE) for pattern in BUILTIN_PATTERNS)


def is_pattern_boilerplate(line: str) -> bool:
    """Whether one line matches a built-in boilerplate pattern.

    >>> is_pattern_boilerplate("Please let us know if you're having issues with commenting.")
    True
    """
    stripped = line.strip()
    return bool(stripped) and any(pattern.search(stripped) for pattern in _COMPILED)
