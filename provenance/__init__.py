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

from provenance._version import __version__
from provenance.ci.check import CheckOptions, CheckResult, run_check
from provenance.config import Config
from provenance.errors import ProvenanceError
from provenance.report.model import build_report
from provenance.scan import ScanOptions, ScanSummary, scan
from provenance.store.index import Index

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
