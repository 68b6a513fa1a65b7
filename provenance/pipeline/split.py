"""Cut a document body into paragraphs, sentences and matchable segments.

Paragraphs are runs of non-blank lines. Sentences end at ``.!?…`` (plus closing quotes)
before a capital, digit or opening quote, and at line breaks, except after common
abbreviations and initials. Segments join short sentences until they reach
``min_words`` words, so a reused sentence can be matched inside a longer paragraph and
a paragraph that was split in two or merged still matches sentence by sentence.

The splitting itself is native (``native/src/split.rs``); these functions take and
return Python ``str`` offsets. :func:`provenance.pipeline.batch.process_batch` runs the
same code over whole batches.
"""

from __future__ import annotations

from collections.abc import Callable

from provenance._native import ABBREVIATIONS as _NATIVE_ABBREVIATIONS
from provenance._native import group_segments as _native_group_segments
from provenance._native import split_document as _native_split_document
from provenance._native import split_paragraphs as _native_split_paragraphs
from provenance._native import split_sentences as _native_split_sentences
from provenance.records import Paragraph

__all__ = ["ABBREVIATIONS", "group_segments", "split_document", "split_paragraphs", "split_sentences"]

#: Written as they appear in news copy: "Jan." is an abbreviation, "jan." ending a
#: sentence is a word. Compared case-sensitively (after stripping the final period).
ABBREVIATIONS: frozenset[str] = frozenset(_NATIVE_ABBREVIATIONS)


def split_paragraphs(text: str, start: int = 0) -> list[tuple[int, int]]:
    """``[start, end)`` of each paragraph in ``text[start:]``, trimmed of whitespace."""
    return _native_split_paragraphs(text, start)


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``; every span is trimmed and non-empty."""
    return _native_split_sentences(text, start, end)


def group_segments(text: str, sentences: list[tuple[int, int]], min_words: int) -> list[tuple[int, int]]:
    """Join consecutive sentences until each run has ``min_words``; a short tail joins the
    previous run, so every segment of a long-enough paragraph is long enough."""
    return _native_group_segments(text, sentences, min_words)


def split_document(text: str, body_start: int, min_words: int,
                   is_boilerplate: Callable[[str], bool] | None = None) -> list[Paragraph]:
    """Paragraphs of the body with their segments.

    ``is_boilerplate(line) -> bool`` is the built-in pattern test
    (:func:`~provenance.pipeline.boilerplate.is_pattern_boilerplate`, or ``None`` for no
    patterns): a paragraph is marked when every line matches. It is asked only about
    lines that could match a built-in pattern (a native prefilter on their phrases).
    """
    return [Paragraph(start, end, tuple(segments), pattern)
            for start, end, segments, pattern in _native_split_document(text, body_start, min_words, is_boilerplate)]
