"""passage-provenance: find reused passages across news articles and who published first.

Library first: the CLI (``provenance``) is a thin layer over these calls (run from the
repository root; ``tests/test_docs.py`` runs this example)::

    from pathlib import Path

    from provenance import Index, build_report, run_check, scan

    with Index.open("provenance.sqlite") as index:
        scan(["seeds/"], index)
        report = build_report(index)     # the JSON report as a dict

    result = run_check(["seeds/002_b5b547b9f015d507.txt"], Path("provenance.sqlite"))  # CI policy verdict
    print(result.exit_code)              # 1: it reuses text of an earlier article
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from provenance._version import __version__

#: Where each public name lives. Imported on first use (PEP 562), so importing any
#: submodule does not run the whole API, and the package imports nothing that imports it
#: back: imports point one way. Type checkers read the names from ``__init__.pyi``.
_HOMES = {
    "CheckOptions": "provenance.ci.check",
    "CheckResult": "provenance.ci.check",
    "run_check": "provenance.ci.check",
    "Config": "provenance.config",
    "ProvenanceError": "provenance.errors",
    "build_report": "provenance.report.model",
    "ScanOptions": "provenance.scanning",
    "ScanSummary": "provenance.scanning",
    "scan": "provenance.scanning",
    "Index": "provenance.store.index",
}

__all__ = [
    "CheckOptions",
    "CheckResult",
    "Config",
    "Index",
    "ProvenanceError",
    "ScanOptions",
    "ScanSummary",
    "__version__",
    "build_report",
    "run_check",
    "scan",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
