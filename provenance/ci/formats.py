"""What ``check`` prints: text for people, and JSON, SARIF, GitHub and JUnit for CI.

Every format says how many findings the allowlist and the baseline suppressed. Only
findings that fail the check become annotations, SARIF results and failed test cases
(GitHub code scanning does not honour SARIF ``suppressions``, so suppressed findings
would reappear there as open alerts). Output is deterministic: same input, same bytes.

* SARIF 2.1.0 as GitHub code scanning reads it: one rule per kind of reuse, a result per
  failing finding located in the copied file (lines and columns in Unicode code points,
  ``endColumn`` exclusive; a feed record by its line), ``partialFingerprints`` carrying
  the baseline fingerprint so alerts stay matched across runs.
* GitHub workflow commands (``::warning file=…,line=…::…``) with GitHub's escaping, and a
  Markdown summary for ``$GITHUB_STEP_SUMMARY``.
* JUnit XML: one failed test case per failing finding, a skipped one per suppressed
  finding, a passing one per clean article.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from provenance._version import __version__
from provenance.ci.check import CheckFinding, CheckResult
from provenance.ci.settings import FORMATS
from provenance.errors import InputError
from provenance.records import SourceRef
from provenance.report.model import SCHEMA_VERSION, to_json

__all__ = [
    "FORMATS",
    "append_step_summary",
    "check_summary",
    "escape_data",
    "escape_property",
    "render",
    "render_github",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_text",
    "step_summary",
    "summary_line",
]

_RULES = {
    "verbatim": ("verbatim-copy", "VerbatimCopy", "Passage copied verbatim from an earlier article"),
    "near-duplicate": ("edited-copy", "EditedCopy", "Passage copied with edits from an earlier article"),
    "contained": ("contained-copy", "ContainedCopy", "Passage of an earlier article reused inside a longer paragraph"),
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(result: CheckResult) -> str:
    """The one-line verdict every format carries, with the suppression counts."""
    head = f"{_plural(result.checked, 'article')} checked against {_plural(result.indexed, 'indexed document')}: "
    verdict = (
        f"{_plural(len(result.failing), 'finding')} in {_plural(result.failing_articles, 'article')} "
        f"{'fails' if len(result.failing) == 1 else 'fail'} the check"
        if result.failing else "no new reuse"
    )
    return (
        f"{head}{verdict} ({result.count('allowlist')} suppressed by the allowlist, {result.count('baseline')} by the "
        f"baseline, {result.count('max-reused-share')} within --max-reused-share)."
    )


def _origin_text(finding: CheckFinding) -> str:
    origin = finding.origin
    where = f"{origin.path}" + (f" ({origin.url})" if origin.url else "")
    return f"{where}, published {origin.published or 'undated'}"


def _message(finding: CheckFinding) -> str:
    label = {"verbatim": "verbatim copy", "near-duplicate": "edited copy", "contained": "passage reused"}[finding.kind]
    certainty = "" if finding.origin_certain else "; origin uncertain"
    if finding.order_basis == "arrival":
        certainty += " (it was in the index first)"
    return f"{label} of {_origin_text(finding)}; similarity {finding.similarity:.2f}{certainty}"


def _preview(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- text -------------------------------------------------------------------------------


def render_text(result: CheckResult) -> str:
    """Failing findings, one block each (``file:line:col: …``), then the verdict."""
    lines = []
    for finding in result.failing:
        lines.append(f"{finding.location}: {_message(finding)}")
        lines.append(f"    {_preview(finding.text)}")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


# -- JSON -------------------------------------------------------------------------------


def _location_dict(finding: CheckFinding) -> dict[str, Any]:
    location = finding.location
    return {
        "file": location.file,
        "record": location.record,
        "start_line": location.start_line,
        "start_column": location.start_column,
        "end_line": location.end_line,
        "end_column": location.end_column,
    }


def _reuse_dict(finding: CheckFinding) -> dict[str, Any]:
    origin, copy = finding.origin, finding.copy
    return {
        "cluster": finding.cluster,
        "origin": {"path": origin.path, "start": origin.start, "end": origin.end, "published": origin.published,
                   "url": origin.url},
        "copy": {"path": copy.path, "start": copy.start, "end": copy.end, "published": copy.published,
                 "url": copy.url, "text": finding.text},
        "similarity": round(finding.similarity, 6),
        "kind": finding.kind,
        "origin_certain": finding.origin_certain,
        "order_basis": finding.order_basis,
        "status": finding.status,
        "suppressed": not finding.fails,
        "allowed_by": finding.allowed_by,
        "fingerprint": finding.fingerprint,
        "location": _location_dict(finding),
    }


def check_summary(result: CheckResult) -> dict[str, Any]:
    return {
        "passed": not result.failing,
        "checked": result.checked,
        "indexed": result.indexed,
        "index_found": result.index_found,
        "findings": len(result.findings),
        "failing": len(result.failing),
        "failing_articles": result.failing_articles,
        "suppressed_by_allowlist": result.count("allowlist"),
        "suppressed_by_baseline": result.count("baseline"),
        "within_max_reused_share": result.count("max-reused-share"),
        "below_min_similarity": result.below_min_similarity,
        "skipped_inputs": len(result.summary.skipped),
    }


def render_json(result: CheckResult) -> str:
    """The ``report`` schema (v1) for the checked articles, plus status per finding."""
    policy = result.policy
    report = {
        "schema_version": SCHEMA_VERSION,
        "documents": result.documents,
        "reuses": [_reuse_dict(finding) for finding in result.findings],
        "boilerplate": [],
        "summary": check_summary(result),
        "policy": {
            "min_similarity": policy.min_similarity,
            "max_reused_share": policy.max_reused_share,
            "allow_sources": list(policy.allow_sources),
            "baseline_fingerprints": len(policy.baseline),
        },
        "config": result.config,
    }
    return to_json(report)


# -- SARIF ------------------------------------------------------------------------------


def _rule(kind: str) -> dict[str, Any]:
    rule_id, name, short = _RULES[kind]
    full = (
        f"{short}. The origin is the earliest-published article of the passage's cluster; "
        "the copied span is verified on exact word-shingle sets, not just hashed."
    )
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full} Accept known sources with --allow-source PATTERN, or known reuse with a baseline "
                    "(provenance baseline PATH -o provenance-baseline.json; check --baseline FILE).",
            "markdown": f"{full}\n\nAccept known sources with `--allow-source PATTERN`, or known reuse with a baseline: "
                        "`provenance baseline PATH -o provenance-baseline.json`, then `provenance check --baseline FILE`.",
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["provenance", "reuse", kind], "precision": "very-high"},
    }


def _region(finding: CheckFinding) -> dict[str, Any] | None:
    location = finding.location
    if location.start_line is None:
        return None
    region: dict[str, Any] = {"startLine": location.start_line}
    if location.start_column is not None:
        region["startColumn"] = location.start_column
    region["endLine"] = location.end_line
    if location.end_column is not None:
        region["endColumn"] = location.end_column
    return region


def _uri(file: str) -> str:
    return ("file://" + quote(file)) if file.startswith("/") else quote(file)


def _sarif_result(finding: CheckFinding, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.location.file)}}
    region = _region(finding)
    if region is not None:
        physical["region"] = region
    record = f" (record {finding.location.record})" if finding.location.record is not None else ""
    message = _message(finding)
    return {
        "ruleId": _RULES[finding.kind][0],
        "ruleIndex": rule_index,
        "level": "warning",
        "message": {"text": f"{message[0].upper()}{message[1:]}{record}."},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"passageReuse/v1": finding.fingerprint},
        "properties": {
            "similarity": round(finding.similarity, 6),
            "kind": finding.kind,
            "originPath": finding.origin.path,
            "originUrl": finding.origin.url,
            "originPublished": finding.origin.published,
            "originCertain": finding.origin_certain,
            "orderBasis": finding.order_basis,
            "copyPath": finding.copy.path,
        },
    }


def render_sarif(result: CheckResult) -> str:
    """SARIF 2.1.0 for ``github/codeql-action/upload-sarif``."""
    kinds = list(_RULES)
    summary = check_summary(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "passage-provenance",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(kind) for kind in kinds],
            }},
            "automationDetails": {"id": "passage-provenance/check/"},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "note", "message": {"text": summary_line(result)}}],
            }],
            "results": [_sarif_result(f, kinds.index(f.kind)) for f in result.failing],
            "properties": summary,
        }],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- GitHub -----------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """GitHub workflow-command escaping of a message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub workflow-command escaping of a property value (``file=``, ``title=``…)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: CheckFinding) -> str:
    location = finding.location
    properties = [("file", location.file)]
    if location.start_line is not None:
        properties += [("line", str(location.start_line)), ("endLine", str(location.end_line))]
        if location.start_line == location.end_line and location.start_column is not None:
            properties += [("col", str(location.start_column)), ("endColumn", str(location.end_column))]
    properties.append(("title", f"Reused text from {finding.origin.url or finding.origin.path}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::warning {rendered}::{escape_data(_message(finding) + chr(10) + _preview(finding.text, 300))}"


def render_github(result: CheckResult) -> str:
    """One ``::warning`` per failing finding, then the verdict as a plain line."""
    return "".join(_annotation(finding) + "\n" for finding in result.failing) + summary_line(result) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def step_summary(result: CheckResult) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the verdict and a table of failing findings."""
    mark = "❌" if result.failing else "✅"
    lines = ["## passage-provenance check", "", f"{mark} {summary_line(result)}", ""]
    if result.failing:
        lines += ["| copy | lines | origin | published | kind | similarity |", "| --- | --- | --- | --- | --- | --- |"]
        for finding in result.failing:
            location = finding.location
            span = "" if location.start_line is None else (
                f"{location.start_line}" if location.start_line == location.end_line else f"{location.start_line}–{location.end_line}"
            )
            origin = finding.origin.url or finding.origin.path
            lines.append(
                f"| `{_cell(location.file)}` | {span} | {_cell(origin)} | {finding.origin.published or 'undated'} "
                f"| {finding.kind} | {finding.similarity:.2f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def append_step_summary(result: CheckResult, path: Path) -> None:
    """Append :func:`step_summary` to the file GitHub names in ``$GITHUB_STEP_SUMMARY``."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(step_summary(result))
    except OSError as exc:
        raise InputError(f"{path}: cannot append the step summary ($GITHUB_STEP_SUMMARY): {exc.strerror or exc}") from exc


# -- JUnit ------------------------------------------------------------------------------


def _xml(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def render_junit(result: CheckResult) -> str:
    """JUnit XML: failed test case per failing finding, skipped per suppressed one."""
    cases = []
    with_findings = {(finding.copy.path, finding.location.file) for finding in result.findings}
    for finding in result.findings:
        location = finding.location
        name = f"{location} reuses {finding.origin.path}"
        case = ET.Element("testcase", {"classname": _xml(location.file), "name": _xml(name), "file": _xml(location.file)})
        if location.start_line is not None:
            case.set("line", str(location.start_line))
        if finding.fails:
            failure = ET.SubElement(case, "failure", {"message": _xml(_message(finding)), "type": finding.kind})
            failure.text = _xml(f"{_message(finding)}\n\n{finding.text}\n\nfingerprint {finding.fingerprint}")
        else:
            reason = {"allowlist": f"origin accepted by --allow-source {finding.allowed_by}",
                      "baseline": "in the baseline", "max-reused-share": "within --max-reused-share"}[finding.status]
            ET.SubElement(case, "skipped", {"message": _xml(f"suppressed: {reason}")})
        cases.append(case)
    for document in result.documents:
        if document["checked"] and (document["path"], document["file"]) not in with_findings:
            record = SourceRef.parse(document["path"]).record
            shown = f"{document['file']}#{record}" if record is not None else document["file"]
            attributes = {"classname": document["file"], "name": f"{shown}: no reused text", "file": document["file"]}
            cases.append(ET.Element("testcase", {key: _xml(value) for key, value in attributes.items()}))
    failures, skipped = len(result.failing), len(result.findings) - len(result.failing)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    root = ET.Element("testsuites", {"name": "passage-provenance check", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "passage-provenance check", **counts})
    properties = ET.SubElement(suite, "properties")
    for key, value in check_summary(result).items():
        ET.SubElement(properties, "property", {"name": key, "value": str(value).lower() if isinstance(value, bool) else str(value)})
    suite.extend(cases)
    ET.SubElement(suite, "system-out").text = summary_line(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_RENDERERS: dict[str, Callable[[CheckResult], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
}


def render(result: CheckResult, fmt: str) -> str:
    """``result`` in one of :data:`FORMATS`."""
    return _RENDERERS[fmt](result)
