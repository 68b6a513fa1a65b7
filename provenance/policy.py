"""What ``provenance check`` lets through, and where its defaults come from.

A finding fails the check unless it is below ``min_similarity``, its origin is on the
allowlist (accepted sources such as wire services), its fingerprint is in the baseline
(reuse already known when the baseline was written), or its article's reused share of
text stays within ``max_reused_share``. Boilerplate never reaches the policy: it is kept
out of findings when they are computed.

Defaults are read from the config file (``--config FILE``, else ``provenance.toml`` or the
``[tool.passage-provenance]`` table of ``pyproject.toml`` in the current directory; see
:mod:`provenance.settings`); command-line flags win. Unknown keys are refused, so a typo
never silently switches a policy off.

Baseline fingerprints hash the *normalised* copied text with the origin's and the copy's
identity (URL, else path; a feed record's path without its ``#N``), never line numbers or
offsets, so they survive edits elsewhere in a file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provenance.errors import ConfigError
from provenance.ingest.feeds import FeedFields
from provenance.pipeline.normalise import normalise_text
from provenance.settings import read_config

__all__ = [
    "BASELINE_VERSION",
    "FORMATS",
    "CheckPolicy",
    "CheckSettings",
    "finding_fingerprint",
    "read_baseline",
    "read_settings",
    "resolve_settings",
    "write_baseline",
]

FORMATS = ("text", "json", "sarif", "github", "junit")
BASELINE_VERSION = 1
_FIELD_ROLES = ("text", "date", "url", "title", "authors", "id")


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
    head, sep, tail = path.rpartition("#")
    return head if sep and tail.isdigit() else None


# -- settings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Everything ``check`` and ``baseline`` take, after merging config file and flags."""

    index: str | None = None
    format: str = "text"
    baseline: str | None = None
    min_similarity: float = 0.0
    max_reused_share: float = 0.0
    allow_source: tuple[str, ...] = ()
    default_timezone: str | None = None
    text_field: str | None = None
    date_field: str | None = None
    url_field: str | None = None
    title_field: str | None = None
    authors_field: str | None = None
    id_field: str | None = None
    read_from: str | None = None  # the config file the defaults came from, if any

    def feed_fields(self) -> FeedFields:
        return FeedFields().with_overrides(**{role: getattr(self, f"{role}_field") for role in _FIELD_ROLES})

    def policy(self, baseline: frozenset[str] = frozenset()) -> CheckPolicy:
        return CheckPolicy(self.min_similarity, self.max_reused_share, self.allow_source, baseline)


_KEYS = tuple(f.name for f in fields(CheckSettings) if f.name != "read_from")


def read_settings(directory: Path | None = None, config: Path | None = None) -> tuple[dict[str, Any], str | None]:
    """Raw defaults from the config file (``config``, else the one in ``directory``) and its name."""
    found = read_config(config, directory)
    return dict(found.values), found.name


def resolve_settings(flags: dict[str, Any], directory: Path | None = None, config: Path | None = None) -> CheckSettings:
    """Config-file defaults overlaid with the flags that were given (``None``/empty = not given)."""
    values, read_from = read_settings(directory, config)
    where = {key: f"{read_from}: {key.replace('_', '-')}" for key in values}
    for key, value in flags.items():
        if key not in _KEYS:
            raise ConfigError(f"unknown check setting {key!r}")
        if value is not None and value != ():
            values[key] = value
            where[key] = f"--{key.replace('_', '-')}"
    checked = {key: _validate(key, value, where[key]) for key, value in values.items()}
    return CheckSettings(**checked, read_from=read_from)


def _validate(key: str, value: Any, where: str) -> Any:
    if key in ("min_similarity", "max_reused_share"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise ConfigError(f"{where} must be a number between 0 and 1, got {value!r}")
        return float(value)
    if key == "allow_source":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(item, str) and item.strip() for item in items):
            raise ConfigError(f"{where} must be a pattern or a list of patterns, got {value!r}")
        return tuple(item.strip() for item in items)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
    if key == "format" and value not in FORMATS:
        raise ConfigError(f"{where} must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


# -- baseline ---------------------------------------------------------------------------


def finding_fingerprint(copied_text: str, origin_identity: str, copy_identity: str) -> str:
    """Stable id of one reuse: normalised copied text, origin and copy identity."""
    payload = "\x00".join(("passage-provenance/v1", normalise_text(copied_text), origin_identity, copy_identity))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def write_baseline(entries: Sequence[dict[str, Any]], path: Path) -> int:
    """Write ``entries`` (each with a ``fingerprint``) sorted and deduplicated; return the count."""
    from provenance._version import __version__

    unique = {entry["fingerprint"]: entry for entry in sorted(entries, key=lambda e: json.dumps(e, sort_keys=True))}
    document = {
        "baseline_version": BASELINE_VERSION,
        "created_by": f"passage-provenance {__version__}",
        "findings": [unique[key] for key in sorted(unique)],
    }
    try:
        path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the baseline ({exc.strerror or exc})") from exc
    return len(unique)


def read_baseline(path: Path) -> frozenset[str]:
    """The fingerprints of a baseline file; :class:`ConfigError` saying how to make one."""
    fix = f"write one with 'provenance baseline PATH... -o {path}'"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such baseline file; {fix}") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable provenance baseline ({exc}); {fix}") from exc
    if not isinstance(data, dict) or data.get("baseline_version") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise ConfigError(f"{path}: not a provenance baseline (version {BASELINE_VERSION}); {fix}")
    prints = [item.get("fingerprint") if isinstance(item, dict) else None for item in data["findings"]]
    if not all(isinstance(item, str) for item in prints):
        raise ConfigError(f"{path}: a baseline entry has no fingerprint; {fix}")
    return frozenset(prints)  # type: ignore[arg-type]
