"""What ``check`` and ``baseline`` take, merged from the config file and the flags.

Defaults are read from the config file (``--config FILE``, else ``provenance.toml`` or the
``[tool.passage-provenance]`` table of ``pyproject.toml`` in the current directory; see
:mod:`provenance.settings`); command-line flags win. Unknown keys are refused, so a typo
never silently switches a policy off.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.ci.policy import CheckPolicy
from provenance.errors import ConfigError
from provenance.ingest.dates import resolve_timezone
from provenance.ingest.feeds import FEED_ROLES, FeedFields
from provenance.settings import DEFAULT_INDEX, read_config

if TYPE_CHECKING:
    from provenance.scanning import ScanOptions

__all__ = ["FORMATS", "CheckSettings", "read_settings", "resolve_settings"]

FORMATS = ("text", "json", "sarif", "github", "junit")



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
        return FeedFields().with_overrides(**{role: getattr(self, f"{role}_field") for role in FEED_ROLES})

    @property
    def index_path(self) -> Path:
        """The index to compare with: the setting, else the default every command uses."""
        return Path(self.index or DEFAULT_INDEX)

    def scan_options(self) -> ScanOptions:
        """How the checked articles are read (time zone, feed fields); a bad zone is a ConfigError."""
        from provenance.scanning import (
            ScanOptions,  # the scan machinery, not for --help or baseline
        )

        return ScanOptions(default_timezone=resolve_timezone(self.default_timezone), feed_fields=self.feed_fields())

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
