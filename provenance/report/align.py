"""Word-level alignment of a reused span with its origin, for showing what was edited.

Matching decides *that* two spans are the same passage; this module shows *how* the copy
differs. Both spans are cut into normalised words (``tokenise``: case, quotes, mojibake
and punctuation folded away, original offsets kept), aligned with
:class:`difflib.SequenceMatcher`, and the word runs are mapped back to character ranges
of the original texts. Differences that normalisation folds away (case, curly quotes,
punctuation) are therefore not edits, just as they are not for matching.

An :class:`Alignment` is a list of :class:`Edit` s that tile both spans exactly:
concatenating the origin ranges gives the origin span, the copy ranges the copy span.
Whitespace and punctuation between words go to the surrounding ``equal`` run, so the
marked ranges hold just the words that changed.

    >>> a = align("the quick fox", (0, 13), "the quick brown fox", (0, 19))
    >>> [(e.op, "the quick brown fox"[e.copy[0]:e.copy[1]]) for e in a.edits]
    [('equal', 'the quick '), ('insert', 'brown'), ('equal', ' fox')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from provenance.pipeline.normalise import Token, tokenise

__all__ = ["Alignment", "Edit", "Mark", "MergedMark", "Op", "align", "align_reuse"]

Op = Literal["equal", "insert", "delete", "replace"]
Mark = Literal["same", "inserted", "deleted", "changed"]
MergedMark = Literal["same", "inserted", "deleted", "changed-from", "changed-to"]

# How each operation is marked on each side; ``None``: the side has no text for it.
_ORIGIN_MARK: dict[str, Mark] = {"equal": "same", "delete": "deleted", "replace": "changed", "insert": "same"}
_COPY_MARK: dict[str, Mark] = {"equal": "same", "insert": "inserted", "replace": "changed", "delete": "same"}


@dataclass(frozen=True, slots=True)
class Edit:
    """One run of the alignment: ``[start, end)`` in the origin and in the copy text.

    An ``insert`` has an empty origin range and a ``delete`` an empty copy range (placed
    where the words were inserted or removed).
    """

    op: Op
    origin: tuple[int, int]
    copy: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Alignment:
    """How a copy span differs from its origin span, word by word."""

    edits: tuple[Edit, ...]
    origin_words: int
    copy_words: int

    def segments(self, side: Literal["origin", "copy"]) -> list[tuple[int, int, Mark]]:
        """Non-empty ``(start, end, mark)`` ranges tiling one side; neighbours with the
        same mark are merged. The origin side has ``deleted`` and ``changed`` words, the
        copy side ``inserted`` and ``changed`` ones."""
        marks = _ORIGIN_MARK if side == "origin" else _COPY_MARK
        out: list[tuple[int, int, Mark]] = []
        for edit in self.edits:
            start, end = edit.origin if side == "origin" else edit.copy
            if end <= start:
                continue
            mark = marks[edit.op]
            if out and out[-1][2] == mark and out[-1][1] == start:
                out[-1] = (out[-1][0], end, mark)
            else:
                out.append((start, end, mark))
        return out

    def merged(self, origin_text: str, copy_text: str) -> list[tuple[MergedMark, str]]:
        """The copy read as a word diff against the origin (like ``git diff --word-diff``):
        unchanged text from the copy, removed words from the origin, a changed run as its
        old words (``changed-from``) followed by its new ones (``changed-to``)."""
        pieces: list[tuple[MergedMark, str]] = []
        for edit in self.edits:
            old, new = origin_text[slice(*edit.origin)], copy_text[slice(*edit.copy)]
            if edit.op == "equal":
                pieces.append(("same", new))
            elif edit.op == "delete":
                pieces.append(("deleted", old))
            elif edit.op == "insert":
                pieces.append(("inserted", new))
            else:
                pieces.extend([("changed-from", old), ("changed-to", new)])
        return [(mark, text) for mark, text in pieces if text]

    @property
    def identical(self) -> bool:
        """True when the spans hold the same normalised words."""
        return all(edit.op == "equal" for edit in self.edits)


def align(origin_text: str, origin_span: tuple[int, int], copy_text: str, copy_span: tuple[int, int]) -> Alignment:
    """Align ``copy_text[copy_span]`` against ``origin_text[origin_span]`` word by word."""
    origin_tokens = tokenise(origin_text, *origin_span)
    copy_tokens = tokenise(copy_text, *copy_span)
    # autojunk would treat frequent words ("the") as noise in long spans and misalign them.
    matcher = SequenceMatcher(None, [t.text for t in origin_tokens], [t.text for t in copy_tokens], autojunk=False)
    builder = _Builder(origin_span, copy_span, origin_tokens, copy_tokens)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        builder.add(op, i1, i2, j1, j2)  # type: ignore[arg-type]
    return Alignment(tuple(builder.finish()), len(origin_tokens), len(copy_tokens))


class _Builder:
    """Turns token opcodes into character ranges that tile both spans.

    Each side has a cursor; every edit starts at it. An ``equal`` run reaches up to the
    next word of its side (taking the gap with it); any other run ends at its last word.
    Text before the first word or after the last one becomes an ``equal`` run of its own
    when the neighbouring run is an edit, so edits never swallow stray punctuation.
    """

    def __init__(self, origin_span: tuple[int, int], copy_span: tuple[int, int],
                 origin_tokens: list[Token], copy_tokens: list[Token]) -> None:
        self.origin_end, self.copy_end = origin_span[1], copy_span[1]
        self.origin_cursor, self.copy_cursor = origin_span[0], copy_span[0]
        self.origin_tokens, self.copy_tokens = origin_tokens, copy_tokens
        self.edits: list[Edit] = []

    def _emit(self, op: Op, origin_end: int, copy_end: int) -> None:
        # Tokens split from one word share its range, so clamp to keep the tiling monotonic.
        origin_end = min(max(origin_end, self.origin_cursor), self.origin_end)
        copy_end = min(max(copy_end, self.copy_cursor), self.copy_end)
        if origin_end == self.origin_cursor and copy_end == self.copy_cursor and op == "equal":
            return
        if self.edits and self.edits[-1].op == op == "equal":
            last = self.edits.pop()
            self.edits.append(Edit(op, (last.origin[0], origin_end), (last.copy[0], copy_end)))
        else:
            self.edits.append(Edit(op, (self.origin_cursor, origin_end), (self.copy_cursor, copy_end)))
        self.origin_cursor, self.copy_cursor = origin_end, copy_end

    @staticmethod
    def _next_start(tokens: list[Token], index: int, default: int) -> int:
        return tokens[index].start if index < len(tokens) else default

    def add(self, op: Op, i1: int, i2: int, j1: int, j2: int) -> None:
        if op == "equal":
            self._emit(op, self._next_start(self.origin_tokens, i2, self.origin_end),
                       self._next_start(self.copy_tokens, j2, self.copy_end))
            return
        # Leading gap (e.g. an opening quote before an edited first word) stays unmarked.
        self._emit("equal", self._next_start(self.origin_tokens, i1, self.origin_end) if i2 > i1 else self.origin_cursor,
                   self._next_start(self.copy_tokens, j1, self.copy_end) if j2 > j1 else self.copy_cursor)
        origin_end = self.origin_tokens[i2 - 1].end if i2 > i1 else self.origin_cursor
        copy_end = self.copy_tokens[j2 - 1].end if j2 > j1 else self.copy_cursor
        self._emit(op, origin_end, copy_end)

    def finish(self) -> list[Edit]:
        self._emit("equal", self.origin_end, self.copy_end)
        return self.edits


def align_reuse(reuse: dict[str, Any], texts: Mapping[str, str]) -> Alignment | None:
    """Align one reuse of the report (``None`` when a document's text is not at hand)."""
    origin, copy = reuse["origin"], reuse["copy"]
    if origin["path"] not in texts or copy["path"] not in texts:
        return None
    return align(texts[origin["path"]], (origin["start"], origin["end"]), texts[copy["path"]], (copy["start"], copy["end"]))
