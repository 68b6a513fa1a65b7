"""The one exception tree of passage-provenance.

Every error a user can cause is a :class:`ProvenanceError`; the CLI turns it into a
one-line message and an exit code in a single place (``cli.main``)::

    ProvenanceError                 exit 2  (usage, configuration or input problem)
    ├── ConfigError                 a bad option value or an unreadable config file
    ├── InputError                  a path that does not exist or cannot be read
    │   └── DecodeError             bytes that are not text in a supported encoding
    └── IndexError_                 the index file cannot be used
        ├── ConfigMismatchError     index built with another matching config
        └── SchemaError             not an index, a foreign/corrupt one, or a newer schema

Findings are not errors: ``check`` signals them with exit code 1 through its result.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigMismatchError",
    "DecodeError",
    "IndexError_",
    "InputError",
    "ProvenanceError",
    "SchemaError",
]


class ProvenanceError(Exception):
    """Base of every error the user can fix; ``exit_code`` is what the CLI returns."""

    exit_code: int = 2


class ConfigError(ProvenanceError):
    """An option or configuration value is invalid."""


class InputError(ProvenanceError):
    """An input path is missing, unreadable or of an unsupported kind."""


class DecodeError(InputError):
    """A file's bytes could not be decoded as text."""


class IndexError_(ProvenanceError):
    """The index file cannot be opened or used."""


class ConfigMismatchError(IndexError_):
    """The index was built with a different matching configuration."""


class SchemaError(IndexError_):
    """The file is not a passage-provenance index of a schema version we can read."""
