"""The README documents what users run."""

from __future__ import annotations

from provenance.cli import cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    for command in cli.commands:
        assert f"provenance {command}" in README, command


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    test_lines = [line for line in ci.splitlines() if "pytest" in line and not line.lstrip().startswith("#")]
    assert test_lines and all(line.strip() in README or "pytest collected" in line for line in test_lines)
