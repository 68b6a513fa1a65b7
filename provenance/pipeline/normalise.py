"""Normalise text for comparison only, keeping a map back to original offsets.

The original text is never changed. For hashing, the native core
(``native/src/normalise.rs``) (1) repairs mojibake runs (``Russiaâ€™s`` -> ``Russia’s``),
(2) cuts words, (3) folds each word with NFKC, case folding and NFKC again, drops
apostrophes and ``_`` and splits what folding turned into several words. Each normalised
token remembers the ``[start, end)`` of the original characters it came from (Python
``str`` offsets).

Words and whitespace are Python's: a word is a run of ``\\w`` characters (and combining
marks), possibly joined by apostrophes; whitespace is ``str.isspace()``. Mojibake stays
ftfy's call: a run of two or more non-ASCII characters is passed to
:func:`ftfy.fix_encoding`, once per distinct run (most texts have none, and never import ftfy).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from provenance._native import normalise_word as _native_normalise_word
from provenance._native import tokenise as _native_tokenise

__all__ = ["Token", "fix_encoding", "normalise_text", "normalise_word", "tokenise", "tokenise_columns"]


@lru_cache(maxsize=1 << 14)
def fix_encoding(run: str) -> str:
    """ftfy's repair of one run of non-ASCII characters (memoised: runs such as ``’”``
    recur in every article)."""
    import ftfy  # imported by the first run to repair (~50 ms), so most texts never load it

    return ftfy.fix_encoding(run)


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised word and the original ``[start, end)`` it was read from."""

    text: str
    start: int
    end: int


def normalise_word(word: str) -> list[str]:
    """Fold one word: mojibake repair, NFKC, casefold, NFKC, quotes and punctuation dropped.

    Folding can split a word (``"½"`` -> ``"1⁄2"`` -> ``1``, ``2``) and case folding can make
    a word look like mojibake again, so the steps repeat until nothing changes: that
    fixed point is what makes normalisation idempotent.

    >>> normalise_word("Straße")
    ['strasse']
    """
    return _native_normalise_word(word, fix_encoding)


def tokenise(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Normalised words of ``text[start:end]`` with their original offsets."""
    words, starts, ends = tokenise_columns(text, start, end)
    return [Token(word, first, last) for word, first, last in zip(words, starts, ends, strict=True)]


def tokenise_columns(text: str, start: int = 0, end: int | None = None) -> tuple[list[str], list[int], list[int]]:
    """:func:`tokenise` as three lists (words, starts, ends), without a :class:`Token` per
    word. A word that folds into several parts gives each part its offsets."""
    return _native_tokenise(text, start, end, fix_encoding)


def normalise_text(text: str) -> str:
    """The comparison form of ``text``: its normalised words joined by single spaces."""
    return " ".join(tokenise_columns(text)[0])
