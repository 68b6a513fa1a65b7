"""Baseline files: the fingerprints of findings accepted when the baseline was written,
so that ``check --baseline`` fails only on new reuse (see
:func:`provenance.ci.policy.finding_fingerprint` for what a fingerprint hashes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provenance._version import __version__
from provenance.ci.check import CheckResult
from provenance.ci.locations import record_free
from provenance.errors import ConfigError

__all__ = ["BASELINE_VERSION", "baseline_entries", "read_baseline", "write_baseline"]

BASELINE_VERSION = 1


def baseline_entries(result: CheckResult) -> list[dict[str, Any]]:
    """What a baseline records per finding the allowlist does not already accept: the
    fingerprint, plus (for people reading the diff) copy, origin, kind and a preview."""
    return [
        {
            "fingerprint": finding.fingerprint,
            "copy": finding.copy.url or finding.location.file,
            "origin": finding.origin.url or record_free(finding.origin.path),
            "kind": finding.kind,
            "text": " ".join(finding.text.split())[:120],
        }
        for finding in result.findings
        if finding.status != "allowlist"
    ]


def write_baseline(entries: Sequence[dict[str, Any]], path: Path) -> int:
    """Write ``entries`` (each with a ``fingerprint``) sorted and deduplicated; return the count."""
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
