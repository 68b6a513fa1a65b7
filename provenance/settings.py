"""One configuration for every command: where defaults come from.

Precedence, highest first: a command-line flag, its environment variable (only
``$PROVENANCE_INDEX`` has one), the config file, the built-in default.

The config file is ``--config FILE`` when given; otherwise ``provenance.toml`` in the
current directory (top-level keys), else the ``[tool.passage-provenance]`` table of
``pyproject.toml`` there. A ``pyproject.toml`` given with ``--config`` is read the same way
(its table). Relative paths in the file (``index``, ``baseline``) are relative to the
folder holding it. Unknown keys are refused, so a typo never silently switches a setting
off.

Which command reads which key: ``index`` every command; ``default-timezone`` and the
``*-field`` keys ``scan``, ``check`` and ``baseline``; ``format``, ``baseline``,
``min-similarity``, ``max-reused-share`` and ``allow-source`` the CI commands (see
:mod:`provenance.ci.settings`); the ``[matching]`` table (keys named as ``scan``'s matching
flags) is the configuration ``scan`` builds an index with::

    index = "news.sqlite"
    default-timezone = "Europe/Berlin"

    [matching]
    min-words = 10
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.config import Config, describe_differences
from provenance.errors import ConfigError
from provenance.ingest.feeds import FEED_ROLES

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_INDEX",
    "KEYS",
    "MATCHING_KEYS",
    "ConfigFile",
    "matching_config",
    "matching_differences",
    "read_config",
]

DEFAULT_INDEX = "provenance.sqlite"
CONFIG_FILE = "provenance.toml"
PYPROJECT_TABLE = "tool.passage-provenance"

#: Top-level keys, ``_`` spelled (``-`` is accepted in the file), in the order messages list them.
KEYS = (
    "index", "format", "baseline", "min_similarity", "max_reused_share", "allow_source", "default_timezone",
    *(f"{role}_field" for role in FEED_ROLES),
)
#: Keys of the ``[matching]`` table -> (dotted :class:`Config` field, type, help).
MATCHING_KEYS: dict[str, tuple[str, type, str]] = {
    "shingle_size": ("shingle.size", int, "Words per shingle (default 3)."),
    "num_perm": ("minhash.num_perm", int, "MinHash permutations (default 128)."),
    "seed": ("minhash.seed", int, "MinHash seed (default 1, as datasketch)."),
    "lsh_threshold": ("lsh.threshold", float, "Jaccard threshold LSH bands are tuned for (default 0.3)."),
    "min_similarity": ("verify.min_similarity", float, "Share of the shorter aligned span's words that must be matched (default 0.5)."),
    "min_words": ("segment.min_words", int, "Shortest passage or sentence run matched, in words (default 8)."),
    "boilerplate_min_docs": ("boilerplate.min_documents", int,
                             "Articles of one site repeating a line to call it boilerplate (default 4)."),
}
_PATH_KEYS = ("index", "baseline")


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The settings read from a config file (empty when there is none)."""

    values: dict[str, Any] = field(default_factory=dict)  # top-level keys, ``_`` spelled
    matching: dict[str, Any] = field(default_factory=dict)  # the [matching] table, ``_`` spelled
    name: str | None = None  # the file read, for messages

    def string(self, key: str) -> str | None:
        """A top-level string setting (``index``, ``default_timezone``, ``text_field``...)."""
        value = self.values.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{self.name}: {key.replace('_', '-')} must be a non-empty string, got {value!r}")
        return value


def read_config(path: Path | None = None, directory: Path | None = None) -> ConfigFile:
    """The config file at ``path`` (``--config``), else the one found in ``directory``
    (default: the current directory), else an empty :class:`ConfigFile`."""
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file (--config)")
        if path.name == "pyproject.toml":
            return _from_pyproject(path, str(path), path.parent) or ConfigFile(name=str(path))
        return _parse(_load_toml(path, str(path)), str(path), "", path.parent)
    directory = directory or Path.cwd()
    own, pyproject = directory / CONFIG_FILE, directory / "pyproject.toml"
    if own.is_file():
        return _parse(_load_toml(own, CONFIG_FILE), CONFIG_FILE, "", None)
    if pyproject.is_file():
        return _from_pyproject(pyproject, "pyproject.toml", None) or ConfigFile()
    return ConfigFile()


def matching_config(config_file: ConfigFile, flags: Mapping[str, Any]) -> Config | None:
    """The matching :class:`Config` asked for: the file's ``[matching]`` table overlaid with
    the matching flags given; ``None`` (use the index's own) when neither says anything."""
    overrides = {dotted: config_file.matching.get(name) for name, (dotted, _, _) in MATCHING_KEYS.items()}
    overrides.update({dotted: flags[name] for name, (dotted, _, _) in MATCHING_KEYS.items() if flags.get(name) is not None})
    if all(value is None for value in overrides.values()):
        return None
    try:
        return Config().with_overrides(**overrides)
    except ConfigError as exc:
        raise ConfigError(f"{config_file.name}: [matching]: {exc}" if config_file.matching else str(exc)) from exc


def matching_differences(config_file: ConfigFile, stored: Config) -> str | None:
    """How the file's ``[matching]`` table differs from an index's configuration, or ``None``."""
    if not config_file.matching:
        return None
    wanted = matching_config(config_file, {})
    if wanted is None or wanted.fingerprint == stored.fingerprint:
        return None
    return "; ".join(describe_differences(stored.to_dict(), wanted.to_dict()))


def _from_pyproject(path: Path, name: str, folder: Path | None) -> ConfigFile | None:
    table = _load_toml(path, name).get("tool", {}).get("passage-provenance")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: [{PYPROJECT_TABLE}] must be a table")
    return _parse(table, name, f" in [{PYPROJECT_TABLE}]", folder)


def _load_toml(path: Path, name: str) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read ({exc.strerror or exc})") from exc


def _parse(table: dict[str, Any], name: str, within: str, folder: Path | None) -> ConfigFile:
    """Keys normalised and checked; ``folder`` (a file named with ``--config``) anchors
    relative paths, so ``--config ci/provenance.toml`` finds ``ci/``'s index."""
    values: dict[str, Any] = {}
    matching: dict[str, Any] = {}
    for key, value in table.items():
        normal = key.replace("-", "_")
        if normal == "matching":
            matching = _matching_table(value, name, within)
        elif normal in KEYS:
            values[normal] = value
        else:
            known = ", ".join(k.replace("_", "-") for k in (*KEYS, "matching"))
            raise ConfigError(f"{name}: unknown key {key!r}{within}; known keys: {known}")
    if folder is not None and folder != Path("."):
        for key in _PATH_KEYS:
            if isinstance(values.get(key), str) and values[key].strip():
                values[key] = str(folder / values[key])
    return ConfigFile(values, matching, name)


def _matching_table(table: Any, name: str, within: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: matching{within} must be a table ([matching])")
    values: dict[str, Any] = {}
    for key, value in table.items():
        normal = key.replace("-", "_")
        if normal not in MATCHING_KEYS:
            known = ", ".join(k.replace("_", "-") for k in MATCHING_KEYS)
            raise ConfigError(f"{name}: unknown key {key!r} in [matching]; known keys: {known}")
        kind = MATCHING_KEYS[normal][1]
        if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
            raise ConfigError(f"{name}: [matching] {key} must be {'an integer' if kind is int else 'a number'}, got {value!r}")
        values[normal] = kind(value)
    return values
