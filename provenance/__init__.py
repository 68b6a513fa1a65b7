"""passage-provenance: find reused passages across news articles and who published first.

Library first: the CLI (``provenance``) is a thin layer over these calls::

    from provenance import Index, ScanOptions, scan, build_report

    with Index.open("provenance.sqlite") as index:
        scan(["seeds/"], index)
        report = build_report(index)     # the JSON report as a dict
"""

from __future__ import annotations

__version__ = "0.1.0"

from provenance.config import Config  # noqa: E402
from provenance.errors import ProvenanceError  # noqa: E402
from provenance.store.index import Index  # noqa: E402
from provenance.scan import ScanOptions, ScanSummary, scan  # noqa: E402

__all__ = ["Config", "Index", "ProvenanceError", "ScanOptions", "ScanSummary", "__version__", "scan"]
