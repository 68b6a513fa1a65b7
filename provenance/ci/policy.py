"""What ``provenance check`` lets through.

A finding fails the check unless it is below ``min_similarity``, its origin is on the
allowlist (accepted sources such as wire services), its fingerprint is in the baseline
(reuse already known when the baseline was written: :mod:`provenance.ci.baseline`), or
its article's reused share of text stays within ``max_reused_share``. Boilerplate never
reaches the policy: it is kept out of findings when they are computed.

Fingerprints hash the *normalised* copied text with the origin's and the copy's identity
(URL, else path; a feed record's path without its ``#N``), never line numbers or
offsets, so they survive edits elsewhere in a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from provenance.errors import ConfigError
from provenance.pipeline.normalise import normalise_text
from provenance.records import SourceRef

__all__ = ["STATUSES", "CheckPolicy", "finding_fingerprint"]

#: A finding's fate: ``new`` fails the check; the others say what let it through.
STATUSES = ("new", "allowlist", "baseline", "max-reused-share")


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """Which findings fail a check. ``baseline`` holds accepted fingerprints."""

    min_similarity: float = 0.0
    max_reused_share: float = 0.0
    allow_sources: tuple[str, ...] = ()
    baseline: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("min_similarity", "max_reused_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"--{name.replace('_', '-')} must be between 0 and 1, got {value}")

    def allowed_by(self, url: str | None, paths: Iterable[str]) -> str | None:
        """The first allowlist pattern matching an origin, else ``None``.

        A pattern matches the origin's URL host (``apnews.com``, ``*.reuters.com``, which
        also matches ``reuters.com``; a leading ``www.`` is ignored), its whole URL when the
        pattern holds ``://``, or one of its paths (``wire/*``; a feed record ``FILE#N``
        also matches as ``FILE``). Globs are ``fnmatch`` style.
        """
        host = (urlsplit(url).hostname or "").lower() if url else ""
        bare = host.removeprefix("www.")
        candidates = [p for path in paths for p in (path, _feed_file(path)) if p]
        for pattern in self.allow_sources:
            lowered = pattern.lower()
            if url and "://" in pattern and fnmatchcase(url.lower(), lowered):
                return pattern
            if host and (
                fnmatchcase(host, lowered) or fnmatchcase(bare, lowered) or (lowered.startswith("*.") and bare == lowered[2:])
            ):
                return pattern
            if any(fnmatchcase(path, pattern) for path in candidates):
                return pattern
        return None


def _feed_file(path: str) -> str | None:
    ref = SourceRef.parse(path)
    return ref.file if ref.record is not None else None


def finding_fingerprint(copied_text: str, origin_identity: str, copy_identity: str) -> str:
    """Stable id of one reuse: normalised copied text, origin and copy identity."""
    payload = "\x00".join(("passage-provenance/v1", normalise_text(copied_text), origin_identity, copy_identity))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]
