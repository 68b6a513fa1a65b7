"""Normalise text for comparison only, keeping a map back to original offsets.

The original text is never changed. For hashing we (1) repair mojibake runs with ftfy
(``Russiaâ€™s`` -> ``Russia’s``), (2) cut words, (3) fold each word with NFKC, case
folding and NFKC again, map curly quotes and drop punctuation. Each normalised token
remembers the ``[start, end)`` of the original characters it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import ftfy

__all__ = ["Token", "normalise_text", "normalise_word", "tokenise", "tokenise_columns"]

# Runs of non-ASCII characters are where mojibake lives ("â€™", "ðŸ‡·ðŸ‡º"); ASCII never is.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD = re.compile(rf"(?:\w|[{_MARKS}])+(?:['\u2019\u02bc](?:\w|[{_MARKS}])+)*")
_MAX_ROUNDS = 8
_GROUP, _START, _END = re.Match.group, re.Match.start, re.Match.end
_APOSTROPHES = str.maketrans({"\u2019": "", "\u02bc": "", "'": "", "\u2018": "", "_": ""})


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised word and the original ``[start, end)`` it was read from."""

    text: str
    start: int
    end: int


def _repair_mojibake(text: str, start: int, end: int) -> tuple[str, list[int], list[int]]:
    """Text with mojibake runs fixed, plus per-character original start/end offsets."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = start
    for match in _NON_ASCII_RUN.finditer(text, start, end):
        run = match.group()
        fixed = ftfy.fix_encoding(run)
        if fixed == run:
            continue
        pieces.append(text[cursor : match.start()])
        starts.extend(range(cursor, match.start()))
        ends.extend(range(cursor + 1, match.start() + 1))
        pieces.append(fixed)
        starts.extend([match.start()] * len(fixed))
        ends.extend([match.end()] * len(fixed))
        cursor = match.end()
    pieces.append(text[cursor:end])
    starts.extend(range(cursor, end))
    ends.extend(range(cursor + 1, end + 1))
    return "".join(pieces), starts, ends


def _fold(word: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", word).casefold())
    folded = folded.translate(_APOSTROPHES)
    return [part.translate(_APOSTROPHES) for part in _WORD.findall(folded) if part.translate(_APOSTROPHES)]


def _repair_word(word: str) -> str:
    return _NON_ASCII_RUN.sub(lambda match: ftfy.fix_encoding(match.group()), word)


def normalise_word(word: str) -> list[str]:
    """Fold one word: mojibake repair, NFKC, casefold, NFKC, quotes and punctuation dropped.

    Folding can split a word (``"½"`` -> ``"1⁄2"`` -> ``1``, ``2``) and case folding can make
    a word look like mojibake again, so the steps repeat until nothing changes: that
    fixed point is what makes normalisation idempotent.
    """
    return list(_normalised(word))


@lru_cache(maxsize=1 << 17)
def _normalised(word: str) -> tuple[str, ...]:
    # Memoised: news vocabulary is Zipfian, so most words were folded moments ago and a
    # dict lookup replaces a dozen regex and unicodedata calls (measured: ~3x tokenise).
    parts = [word]
    for _ in range(_MAX_ROUNDS):
        again = [piece for part in parts for piece in _fold(_repair_word(part))]
        if again == parts:
            break
        parts = again
    return tuple(parts)


def tokenise(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Normalised words of ``text[start:end]`` with their original offsets."""
    words, starts, ends = tokenise_columns(text, start, end)
    return [Token(word, first, last) for word, first, last in zip(words, starts, ends, strict=True)]


def tokenise_columns(text: str, start: int = 0, end: int | None = None) -> tuple[list[str], list[int], list[int]]:
    """:func:`tokenise` as three lists (words, starts, ends): what the hot path needs,
    without a :class:`Token` per word. Text with no non-ASCII run needs no repair, so its
    offsets are the regex's own (the common case in English news, measured ~2x faster)."""
    end = len(text) if end is None else end
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    if _NON_ASCII_RUN.search(text, start, end) is None:
        # map() over the matches keeps the per-word loop in C; words folding to several
        # parts (rare) are expanded afterwards.
        matches = list(_WORD.finditer(text, start, end))
        parts = list(map(_normalised, map(_GROUP, matches)))
        words = list(chain.from_iterable(parts))
        starts = list(map(_START, matches))
        ends = list(map(_END, matches))
        if len(words) != len(matches):
            counts = list(map(len, parts))
            starts = [value for value, count in zip(starts, counts, strict=True) for _ in range(count)]
            ends = [value for value, count in zip(ends, counts, strict=True) for _ in range(count)]
        return words, starts, ends
    repaired, start_map, end_map = _repair_mojibake(text, start, end)
    for match in _WORD.finditer(repaired):
        folded = _normalised(match.group())
        words.extend(folded)
        starts.extend([start_map[match.start()]] * len(folded))
        ends.extend([end_map[match.end() - 1]] * len(folded))
    return words, starts, ends


def normalise_text(text: str) -> str:
    """The comparison form of ``text``: its normalised words joined by single spaces."""
    return " ".join(token.text for token in tokenise(text))
