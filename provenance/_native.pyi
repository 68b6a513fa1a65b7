"""Types of the native core (``native/``, Rust), built into the package by maturin.

Private: call the documented wrappers in ``provenance.pipeline`` instead. Array arguments
must be contiguous with the stated dtype; a wrong argument raises ``ValueError``.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

_U32: TypeAlias = npt.NDArray[np.uint32]
_U64: TypeAlias = npt.NDArray[np.uint64]
_I64: TypeAlias = npt.NDArray[np.int64]
_F64: TypeAlias = npt.NDArray[np.float64]
#: ``(match, mismatch, gap_open, gap_extend, max_gap)``
_Scoring: TypeAlias = tuple[float, float, float, float, int]
#: ``(long_run, min_scattered, max_gap, min_words, min_coverage)``
_Rule: TypeAlias = tuple[int, int, int, int, float]
#: ``(min_words, shingle_size, anchor_size, anchor_window)``
_TextParams: TypeAlias = tuple[int, int, int, int]
_Span: TypeAlias = tuple[int, int]

#: Abbreviations after which a period does not end a sentence.
ABBREVIATIONS: tuple[str, ...]

def tokenise(
    text: str, start: int, end: int | None, fix_encoding: Callable[[str], str]
) -> tuple[list[str], list[int], list[int]]: ...
def normalise_word(word: str, fix_encoding: Callable[[str], str]) -> list[str]: ...
def split_paragraphs(text: str, start: int) -> list[_Span]: ...
def split_sentences(text: str, start: int, end: int) -> list[_Span]: ...
def group_segments(text: str, sentences: list[_Span], min_words: int) -> list[_Span]: ...
def split_document(
    text: str, body_start: int, min_words: int, is_boilerplate: Callable[[str], bool] | None = None
) -> list[tuple[int, int, list[_Span], bool]]: ...
def text_units(
    texts: list[str],
    body_starts: list[int],
    params: _TextParams,
    fix_encoding: Callable[[str], str],
    is_boilerplate: Callable[[str], bool] | None = None,
) -> dict[str, Any]: ...

def minhash_signatures(shingles: _U32, bounds: _I64, a: _U32, b: _U32) -> _U32: ...
def band_keys(signatures: _U32, num_bands: int, rows_per_band: int) -> _I64: ...
def word_hashes(words: Iterable[str]) -> _U64: ...
def shingle_hashes(hashes: _U64, size: int) -> _U32: ...
def winnowed_anchors(hashes: _U64, size: int, window: int) -> _I64: ...
def runs_of(a: _U32, b: _U32, size: int) -> _I64: ...
def best_chain(runs: _I64, scores: _Scoring) -> tuple[float, _I64]: ...
def best_chain_region(a: _U32, b: _U32, size: int, scores: _Scoring) -> tuple[float, _I64] | None: ...
def accept(runs: _I64, span: tuple[int, int, int, int, int], rule: _Rule) -> bool: ...
def align_many(
    shingles: _U32, bounds: _I64, pairs: _I64, size: int, scores: _Scoring, rule: _Rule, max_regions: int
) -> tuple[_I64, _F64, _I64, _I64]: ...
