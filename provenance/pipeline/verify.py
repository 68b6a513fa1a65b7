"""Verify candidate paragraph pairs by alignment and measure what the aligned spans share.

LSH and anchors only propose. A pair becomes a *match* only where
:func:`provenance.pipeline.align.align` finds an accepted region; a match is that
region on both sides, with exact ``str`` offsets (first word's start to last aligned
word's end: no unaligned word at either end), and its measures:

* ``matched``: words aligned as equal;
* ``similarity``: ``matched`` over the words of the longer aligned side (1.0 exactly when
  both spans are the same words; an abridged copy scores its kept share);
* ``jaccard`` and ``containment``: exact Jaccard of the two spans' shingle sets, and the
  share of the smaller set found in the other; ``shared``: shingles in common.

Alignment and measures run in the native core over a whole batch (:func:`verify_rows`,
``native/src/verify.rs``), whose rows come back as columns: a scan verifies tens of
thousands of regions, and an object per region cost more than the alignment.
:func:`measure` is the same kernel for one pair of word ranges (findings re-measure).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from provenance._native import measure as _native_measure
from provenance._native import realign as _native_realign
from provenance._native import verify_many as _native_verify_many
from provenance.config import Config
from provenance.pipeline.align import acceptance_args, scoring_args
from provenance.pipeline.anchors import MalformedTokens, TokenColumns, TokenStream, decode_many
from provenance.pipeline.arrays import in_sorted, unique_inverse, unique_sorted

__all__ = ["Match", "MatchColumns", "Realigned", "Row", "jaccard", "measure", "realign", "shared_count", "verify_encoded",
           "verify_encoded_columns", "verify_pairs", "verify_rows"]

# Regions taken from one pair (as :func:`provenance.pipeline.align.align`'s default).
_MAX_REGIONS = 4


def shared_count(left: np.ndarray, right: np.ndarray) -> int:
    """Size of the intersection of two sorted unique uint32 arrays."""
    if len(left) == 0 or len(right) == 0:
        return 0
    return int(np.intersect1d(left, right, assume_unique=True).size)


def jaccard(left: np.ndarray, right: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique arrays (0.0 when both are empty)."""
    shared = shared_count(left, right)
    union = len(left) + len(right) - shared
    return shared / union if union else 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """An accepted aligned region of paragraph units ``a < b`` (``str`` offsets)."""

    a: int
    b: int
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float
    shared: int
    jaccard: float
    containment: float
    matched: int

    def row(self) -> tuple[int, int, int, int, int, int, float, int, float, float, int]:
        return (self.a, self.b, self.a_start, self.a_end, self.b_start, self.b_end, self.similarity, self.shared,
                self.jaccard, self.containment, self.matched)


def measure(a: TokenStream, a_words: tuple[int, int], b: TokenStream, b_words: tuple[int, int], matched: int,
            size: int) -> tuple[float, int, float, float]:
    """``(similarity, shared, jaccard, containment)`` of two word ranges (see module doc).

    A range's shingle set is ``shingles[first:last - size + 1]``, or the one shingle at
    ``first`` when the range is shorter than a shingle.

    >>> stream = TokenStream(np.arange(6), np.arange(1, 7), np.arange(4, dtype=np.uint32), np.zeros(6, np.uint32))
    >>> measure(stream, (0, 6), stream, (2, 6), 4, 3)
    (0.6666666666666666, 2, 0.5, 1.0)
    """
    return _native_measure(_u32(a.shingles), (int(a_words[0]), int(a_words[1])), _u32(b.shingles),
                           (int(b_words[0]), int(b_words[1])), int(matched), size)


#: ``(a_words, b_words, matched, similarity, shared, jaccard, containment)``.
Realigned = tuple[tuple[int, int], tuple[int, int], int, float, int, float, float]


def realign(a: TokenStream, a_words: tuple[int, int], b: TokenStream, b_words: tuple[int, int], config: Config,
            required: bool = False, *, offsets: bool = False) -> Realigned | None:
    """Two word ranges aligned once more (the best chain of runs inside them, accepted or
    not, :func:`~provenance.pipeline.align.best_chain_region`), narrowed to its region and
    measured (:func:`measure`) in one native call: a refresh does this for tens of
    thousands of finding candidates. A pair sharing no seed keeps its ranges with no word
    matched; with ``required``, ``None`` unless a region passes the acceptance rule. With
    ``offsets``, the ranges are ``str`` spans, standing for the words inside them
    (:meth:`~provenance.pipeline.anchors.TokenStream.word_range`).

    >>> stream = TokenStream(np.arange(6), np.arange(1, 7), np.arange(4, dtype=np.uint32), np.arange(6, dtype=np.uint32))
    >>> realign(stream, (0, 6), stream, (2, 6), Config())
    ((2, 6), (2, 6), 4, 1.0, 2, 1.0, 1.0)
    """
    seed = config.align.seed_size
    rule = acceptance_args(config.align, config.segment.min_words, config.verify.min_similarity) if required else None
    return _native_realign(_side(a, a_words, seed), _side(b, b_words, seed), seed, config.shingle.size,
                           scoring_args(config.align), rule, offsets)


def _side(stream: TokenStream, words: tuple[int, int], seed: int) -> tuple:
    """One side of the native ``realign``: seeds, shingles, word starts and ends, range."""
    return (stream.seeds(seed), _u32(stream.shingles), _i64(stream.starts), _i64(stream.ends),
            (int(words[0]), int(words[1])))


def _i64(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int64)


def _u32(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.uint32)


def _bounds(parts: list[np.ndarray]) -> np.ndarray:
    """The ``len(parts) + 1`` offsets of ``parts`` laid end to end."""
    bounds = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)), out=bounds[1:])
    return bounds


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts, dtype=dtype, casting="unsafe") if parts else np.zeros(0, dtype=dtype)


Row = tuple[int, int, int, int, int, int, float, int, float, float, int]


@dataclass(frozen=True, slots=True)
class MatchColumns:
    """Verified matches as the columns of :data:`Row`: ~90 bytes a match where tuples
    take ~470 (a first scan of 100k articles holds 815k of them until it stores them)."""

    columns: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @staticmethod
    def join(parts: Sequence[MatchColumns]) -> MatchColumns:
        """The parts' matches in order (none: no columns, length 0)."""
        filled = [part for part in parts if part.columns]
        if not filled:
            return MatchColumns(())
        return MatchColumns(tuple(np.concatenate(column) for column in zip(*(part.columns for part in filled), strict=True)))

    def pairs(self) -> np.ndarray:
        """The ``(a, b)`` unit pairs, ``(n, 2)`` int64."""
        return np.stack(self.columns[:2], axis=1) if self.columns else np.zeros((0, 2), dtype=np.int64)

    def take(self, keep: np.ndarray) -> MatchColumns:
        """The matches where the boolean ``keep`` is true."""
        return MatchColumns(tuple(column[keep] for column in self.columns))

    def rows(self, chunk: int = 1 << 16) -> Iterator[Row]:
        """Each match as a :data:`Row`, made ``chunk`` at a time."""
        for start in range(0, len(self), chunk):
            yield from zip(*(column[start : start + chunk].tolist() for column in self.columns), strict=True)


def verify_rows(pairs: Iterable[tuple[int, int]] | np.ndarray, streams: dict[int, TokenStream],
                config: Config) -> list[Row]:
    """:meth:`Match.row` of every accepted region of every pair ``(a, b)`` of paragraph
    units (``a < b``), in pair order, best region first; pairs whose streams are missing
    (units deleted meanwhile, or written by an older version) give nothing.

    The whole batch is aligned and measured natively, on all cores, and comes back as
    columns: no object per region on the way.
    """
    present, ids, positions = _present(pairs, streams)
    chosen = [streams[unit] for unit in ids.tolist()]
    starts, shingles = [stream.starts for stream in chosen], [stream.shingles for stream in chosen]
    columns = TokenColumns(_joined(starts, np.int64), _joined([stream.ends for stream in chosen], np.int64),
                           _joined([stream.words for stream in chosen], np.uint64), _bounds(starts),
                           _joined(shingles, np.uint32), _bounds(shingles))
    return list(_verified(present, positions, columns, config).rows())


def verify_encoded(pairs: Iterable[tuple[int, int]] | np.ndarray, blobs: dict[int, bytes], config: Config) -> list[Row]:
    """:func:`verify_rows` of streams as stored (:func:`~provenance.pipeline.anchors.encode_tokens`
    blobs), decoded all at once: no :class:`TokenStream` per paragraph. A malformed
    blob raises :class:`~provenance.pipeline.anchors.MalformedTokens` naming its unit."""
    return list(verify_encoded_columns(pairs, blobs, config).rows())


def verify_encoded_columns(pairs: Iterable[tuple[int, int]] | np.ndarray, blobs: dict[int, bytes],
                           config: Config) -> MatchColumns:
    """:func:`verify_encoded` as columns (what a large scan holds until it stores them)."""
    present, ids, positions = _present(pairs, blobs)
    units = ids.tolist()
    try:
        columns = decode_many([blobs[unit] for unit in units])
    except MalformedTokens as exc:
        raise MalformedTokens(exc.index, units[exc.index]) from exc
    return _verified(present, positions, columns, config)


def _present(pairs: Iterable[tuple[int, int]] | np.ndarray, known: Mapping[int, object]) -> tuple[np.ndarray, ...]:
    """The pairs whose two units are ``known``, their distinct units, and each pair's
    two units as indexes into those."""
    pair_array = np.asarray(pairs if isinstance(pairs, np.ndarray) else list(pairs), np.int64).reshape(-1, 2)
    # Sorting, not numpy 2.4's hashing ``isin``/``unique`` (see unique_sorted): 2 s of a
    # 100k first scan's verification.
    present = pair_array[in_sorted(pair_array, unique_sorted(np.fromiter(known, dtype=np.int64, count=len(known)))).all(axis=1)]
    ids, positions = unique_inverse(present.ravel())
    return present, ids, positions.reshape(-1, 2)


def _verified(present: np.ndarray, positions: np.ndarray, columns: TokenColumns, config: Config) -> MatchColumns:
    owner, *found = _native_verify_many(
        columns.words, columns.starts, columns.ends, columns.word_bounds, columns.shingles, columns.shingle_bounds,
        np.ascontiguousarray(positions.reshape(-1, 2), dtype=np.int64), (config.align.seed_size, config.shingle.size),
        scoring_args(config.align), acceptance_args(config.align, config.segment.min_words, config.verify.min_similarity),
        _MAX_REGIONS)
    return MatchColumns((present[owner, 0], present[owner, 1], *found))


def verify_pairs(pairs: Iterable[tuple[int, int]] | np.ndarray, streams: dict[int, TokenStream],
                 config: Config) -> list[Match]:
    """:func:`verify_rows` as :class:`Match` records."""
    return [Match(*row) for row in verify_rows(pairs, streams, config)]
