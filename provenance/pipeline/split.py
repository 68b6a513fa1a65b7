"""Cut a document body into paragraphs, sentences and matchable segments.

Paragraphs are runs of non-blank lines. Sentences end at ``.!?`` (plus closing quotes)
before a capital, digit or opening quote, and at line breaks, except after common
abbreviations and initials. Segments join short sentences until they reach
``min_words`` words, so a reused sentence can be matched inside a longer paragraph and
a paragraph that was split in two or merged still matches sentence by sentence.
"""

from __future__ import annotations

import re

from provenance.records import Paragraph

__all__ = ["ABBREVIATIONS", "group_segments", "split_paragraphs", "split_sentences"]

# Written as they appear in news copy: "Jan." is an abbreviation, "jan." ending a
# sentence is a word. Compared case-sensitively (after stripping the final period).
ABBREVIATIONS = frozenset(
    ["Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Col", "Lt", "Sgt", "Capt", "Cmdr", "Adm", "St", "Jr", "Sr", "Inc", "Co", "Corp", "Ltd", "vs", "etc", "No", "Nos", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "U.S", "U.K", "U.N", "U.S.A", "e.g", "i.e", "a.m", "p.m", "A.M", "P.M", "approx", "Dept", "est", "Fig", "Mt", "Ft", "Rev", "Hon", "Pres", "Supt", "Messrs"]
)
_BLOCK = re.compile(r"(?:[^\r\n]*\S[^\r\n]*(?:\r\n|\r|\n|$))+")
_LINE = re.compile(r"[^\r\n]+")
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])")


def split_paragraphs(text: str, start: int = 0) -> list[tuple[int, int]]:
    """``[start, end)`` of each paragraph in ``text[start:]``, trimmed of whitespace."""
    spans = []
    for match in _BLOCK.finditer(text, start):
        block_start, block_end = match.start(), match.end()
        while block_start < block_end and text[block_start].isspace():
            block_start += 1
        while block_end > block_start and text[block_end - 1].isspace():
            block_end -= 1
        if block_end > block_start:
            spans.append((block_start, block_end))
    return spans


def _is_abbreviation(text: str, stop: int) -> bool:
    # The last whitespace-delimited word before ``stop``, as ``(\S+)$`` would find it
    # searching text[:stop] (``$`` also matches before a final newline), found by walking
    # back from ``stop`` instead of scanning from the start of the text every time.
    end = stop - 1 if stop and text[stop - 1] == "\n" else stop
    start = end
    while start and not text[start - 1].isspace():
        start -= 1
    if start == end:
        return False
    word = text[start:end].lstrip("\"'(\u201c\u2018[").rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word.isupper())


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``; every span is trimmed and non-empty."""
    sentences = []
    for line in _LINE.finditer(text, start, end):
        cursor = line.start()
        for boundary in _BOUNDARY.finditer(text, line.start(), line.end()):
            period = boundary.start()
            if text[period] == "." and boundary.end() - period == 1 and _is_abbreviation(text, period):
                continue
            sentences.append((cursor, boundary.end()))
            cursor = boundary.end()
        sentences.append((cursor, line.end()))
    return [span for span in (_trim(text, s, e) for s, e in sentences) if span[1] > span[0]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _count_words(text: str, start: int, end: int) -> int:
    return len(text[start:end].split())


def group_segments(text: str, sentences: list[tuple[int, int]], min_words: int) -> list[tuple[int, int]]:
    """Join consecutive sentences until each run has ``min_words``; a short tail joins the
    previous run, so every segment of a long-enough paragraph is long enough."""
    segments: list[tuple[int, int]] = []
    run_start, run_words = None, 0
    for start, end in sentences:
        if run_start is None:
            run_start = start
        run_words += _count_words(text, start, end)
        if run_words >= min_words:
            segments.append((run_start, end))
            run_start, run_words = None, 0
    if run_start is not None:
        tail_end = sentences[-1][1]
        if segments:
            segments[-1] = (segments[-1][0], tail_end)
        else:
            segments.append((run_start, tail_end))
    return segments


def split_document(text: str, body_start: int, min_words: int, is_boilerplate) -> list[Paragraph]:  # type: ignore[no-untyped-def]
    """Paragraphs of the body with their segments; ``is_boilerplate(line) -> bool`` marks
    paragraphs whose every line matches a built-in boilerplate pattern."""
    paragraphs = []
    for start, end in split_paragraphs(text, body_start):
        sentences = split_sentences(text, start, end)
        segments = tuple(group_segments(text, sentences, min_words)) if sentences else ()
        lines = [m.group() for m in _LINE.finditer(text, start, end) if m.group().strip()]
        pattern = bool(lines) and all(is_boilerplate(line) for line in lines)
        paragraphs.append(Paragraph(start, end, segments, pattern))
    return paragraphs
