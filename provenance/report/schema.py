"""The JSON Schema of the report (``report --format json``, ``check --format json``).

It ships inside the package (``provenance/schemas/report.schema.json``), so
``provenance report --schema`` and the tests need nothing beside a plain clone; a test
keeps it identical to the shared copy the project's other tools read.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

__all__ = ["report_schema", "report_schema_text"]


def report_schema_text() -> str:
    """The schema exactly as shipped (JSON text)."""
    return files("provenance").joinpath("schemas", "report.schema.json").read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The schema as a dict, ready for ``jsonschema.validate``."""
    data: dict[str, Any] = json.loads(report_schema_text())
    return data
