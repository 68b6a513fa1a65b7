"""Types of the public API, which ``__init__.py`` imports on first use (PEP 562)."""

from provenance._version import __version__ as __version__
from provenance.ci.check import CheckOptions as CheckOptions
from provenance.ci.check import CheckResult as CheckResult
from provenance.ci.check import run_check as run_check
from provenance.config import Config as Config
from provenance.errors import ProvenanceError as ProvenanceError
from provenance.report.model import build_report as build_report
from provenance.scanning import ScanOptions as ScanOptions
from provenance.scanning import ScanSummary as ScanSummary
from provenance.scanning import scan as scan
from provenance.store.index import Index as Index

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
