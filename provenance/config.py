"""Frozen configuration of each matching stage, with a stable fingerprint.

Everything that changes which passages match is stored in the index as JSON, and its
fingerprint must match on every later scan: signatures or band keys built with another
seed, scheme or shingle size cannot be compared, so mixing them silently would corrupt
provenance. Options that only affect presentation are not part of the fingerprint.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import xxhash

from provenance.errors import ConfigError

__all__ = [
    "AlignConfig",
    "BoilerplateConfig",
    "Config",
    "LSHConfig",
    "MinHashConfig",
    "SegmentConfig",
    "ShingleConfig",
    "VerifyConfig",
    "describe_differences",
    "lsh_params",
]

#: Version of the hashing recipe (word hash -> shingle hash); bump when it changes.
HASH_RECIPE = "xxh3_64-words/poly64-fold32/v1"


@dataclass(frozen=True, slots=True)
class SegmentConfig:
    """How paragraphs are cut into matchable segments.

    ``min_words``: a segment (a run of whole sentences) has at least this many words;
    shorter sentences are joined to their neighbours, and shorter paragraphs are never
    matched on their own. It is the documented minimum length of a finding.
    """

    min_words: int = 8

    def __post_init__(self) -> None:
        if self.min_words < 3:
            raise ConfigError(f"min_words must be at least 3, got {self.min_words}")


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """Word n-gram shingling: ``size`` consecutive normalised words make one shingle."""

    size: int = 3
    recipe: str = HASH_RECIPE

    def __post_init__(self) -> None:
        if not 1 <= self.size <= 12:
            raise ConfigError(f"shingle size must be between 1 and 12, got {self.size}")


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    """MinHash parameters; signatures equal datasketch's ``MinHash(num_perm, seed, scheme)``."""

    num_perm: int = 128
    seed: int = 1
    scheme: str = "affine32"

    def __post_init__(self) -> None:
        if self.num_perm < 2:
            raise ConfigError(f"num_perm must be at least 2, got {self.num_perm}")
        if self.scheme != "affine32":
            raise ConfigError(f"only the datasketch 'affine32' scheme is supported, got {self.scheme!r}")


@dataclass(frozen=True, slots=True)
class LSHConfig:
    """Banding of signatures; bands/rows derived from ``threshold`` as datasketch does.

    The candidate threshold sits below the verification threshold so that pairs at the
    verification threshold are almost always candidates (recall), while verification on
    exact shingle sets keeps precision.
    """

    threshold: float = 0.3
    false_positive_weight: float = 0.5
    false_negative_weight: float = 0.5
    max_bucket: int = 64

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"LSH threshold must be between 0 and 1, got {self.threshold}")
        if abs(self.false_positive_weight + self.false_negative_weight - 1.0) > 1e-9:
            raise ConfigError("LSH false-positive and false-negative weights must sum to 1")
        if self.max_bucket < 2:
            raise ConfigError(f"max_bucket must be at least 2, got {self.max_bucket}")


#: datasketch's optimum for the default configuration, so a small ``check`` or ``report``
#: need not import datasketch and scipy's integrator (~0.6 s); tested equal to it.
KNOWN_PARAMS = {(0.3, 128, 0.5, 0.5): (37, 3)}


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5) -> tuple[int, int]:
    """``(num_bands, rows_per_band)`` minimising weighted FP+FN error, as datasketch does."""
    known = KNOWN_PARAMS.get((threshold, num_perm, false_positive_weight, false_negative_weight))
    if known is not None:
        return known
    from datasketch.lsh import _optimal_param  # same optimiser, so the same (b, r)

    num_bands, rows_per_band = _optimal_param(threshold, num_perm, false_positive_weight, false_negative_weight)
    return int(num_bands), int(rows_per_band)


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """Exact verification of candidates on their shingle sets."""

    min_similarity: float = 0.5
    min_shared_shingles: int = 4

    def __post_init__(self) -> None:
        if not 0.0 < self.min_similarity <= 1.0:
            raise ConfigError(f"min_similarity must be in (0, 1], got {self.min_similarity}")
        if self.min_shared_shingles < 1:
            raise ConfigError("min_shared_shingles must be at least 1")


@dataclass(frozen=True, slots=True)
class AlignConfig:
    """Candidates from shared anchors and their word-level alignment (see pipeline/align.py).

    ``anchor_size``-word n-grams are winnowed over windows of ``anchor_window`` of them, so
    any verbatim run of ``anchor_size + anchor_window - 1`` words shared by two paragraphs
    shares an anchor. An anchor pairs only the first ``max_anchor_units`` paragraphs
    (by arrival) that hold it (stock phrases). Alignment seeds on shared ``seed_size``-word
    n-grams (2: a trimmed quote keeps two-word fragments). Scores: ``match`` per equal word, ``mismatch`` per substituted word,
    ``gap_open + gap_extend * n`` for ``n`` words dropped or added on one side. A region is
    accepted with at least ``--min-words`` matched words, that share of its shorter
    side matched (``verify.min_similarity``, the ``--min-similarity`` option), no gap over
    ``max_gap`` words, and either one verbatim run of ``long_run`` words or
    ``min_scattered`` matched words in all (names, titles and short quotes that two
    independent reports share come in shorter runs). A short finding whose every anchor
    ``stock_units`` or more paragraphs hold is a stock phrase (pipeline/phrases.py).
    """

    anchor_size: int = 5
    anchor_window: int = 2
    seed_size: int = 2
    max_anchor_units: int = 50
    match: float = 1.0
    mismatch: float = 0.5
    gap_open: float = 1.0
    gap_extend: float = 0.25
    max_gap: int = 30
    long_run: int = 10
    min_scattered: int = 12
    stock_units: int = 8

    def __post_init__(self) -> None:
        if not 2 <= self.anchor_size <= 12:
            raise ConfigError(f"anchor_size must be between 2 and 12, got {self.anchor_size}")
        if not 1 <= self.anchor_window <= 64:
            raise ConfigError(f"anchor_window must be between 1 and 64, got {self.anchor_window}")
        if not 1 <= self.seed_size <= 5:
            raise ConfigError(f"seed_size must be between 1 and 5, got {self.seed_size}")
        if self.max_anchor_units < 2:
            raise ConfigError("max_anchor_units must be at least 2")
        if self.match <= 0 or min(self.mismatch, self.gap_open, self.gap_extend) < 0:
            raise ConfigError("alignment scores: match must be positive, penalties not negative")
        if self.stock_units < 2:
            raise ConfigError("stock_units must be at least 2")
        if self.max_gap < 0:
            raise ConfigError("max_gap must not be negative")


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Lines a site repeats: ``min_documents`` articles of one site, at most ``max_words``."""

    min_documents: int = 4
    max_words: int = 40
    use_builtin_patterns: bool = True

    def __post_init__(self) -> None:
        if self.min_documents < 2:
            raise ConfigError("boilerplate min_documents must be at least 2")


@dataclass(frozen=True, slots=True)
class Config:
    """The full matching configuration stored with an index."""

    segment: SegmentConfig = field(default_factory=SegmentConfig)
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    lsh: LSHConfig = field(default_factory=LSHConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @property
    def num_bands(self) -> int:
        """LSH bands per signature, derived from ``lsh`` and ``minhash.num_perm`` (see :func:`lsh_params`)."""
        return self._banding[0]

    @property
    def rows_per_band(self) -> int:
        """Signature rows hashed into each band key."""
        return self._banding[1]

    @property
    def _banding(self) -> tuple[int, int]:
        return lsh_params(self.lsh.threshold, self.minhash.num_perm, self.lsh.false_positive_weight,
                          self.lsh.false_negative_weight)

    @property
    def fingerprint(self) -> str:
        """Stable hex digest of every matching parameter (and the datasketch scheme)."""
        return xxhash.xxh3_64_hexdigest(self.to_json().encode())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        parts: dict[str, Any] = {}
        sections = {
            "segment": SegmentConfig,
            "shingle": ShingleConfig,
            "minhash": MinHashConfig,
            "lsh": LSHConfig,
            "verify": VerifyConfig,
            "align": AlignConfig,
            "boilerplate": BoilerplateConfig,
        }
        for name, section_type in sections.items():
            values = data.get(name, {})
            known = {f.name for f in dataclasses.fields(section_type)}
            unknown = set(values) - known
            if unknown:
                raise ConfigError(f"unknown {name} option(s): {', '.join(sorted(unknown))}")
            parts[name] = section_type(**values)
        return cls(**parts)

    def with_overrides(self, **overrides: Any) -> Config:
        """Copy with dotted overrides such as ``{"verify.min_similarity": 0.6}``."""
        data = self.to_dict()
        for dotted, value in overrides.items():
            if value is None:
                continue
            section, _, key = dotted.partition(".")
            if section not in data or key not in data[section]:
                raise ConfigError(f"unknown option {dotted!r}")
            data[section][key] = value
        return Config.from_dict(data)


def describe_differences(stored: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Human-readable ``section.key: stored -> wanted`` lines for a config mismatch."""
    lines = []
    for section in sorted(set(stored) | set(wanted)):
        left, right = stored.get(section, {}), wanted.get(section, {})
        for key in sorted(set(left) | set(right)):
            if left.get(key) != right.get(key):
                lines.append(f"{section}.{key}: index has {left.get(key)!r}, asked for {right.get(key)!r}")
    return lines

