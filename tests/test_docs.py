"""The README documents what users run."""

from __future__ import annotations

import json
import re
import shutil
import textwrap

import pytest

import provenance
from provenance.cli import cli
from tests.conftest import REPO, SEEDS, SHARED_SCHEMA

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    for command in cli.list_commands(None):
        assert f"provenance {command}" in README, command


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    test_lines = [line for line in ci.splitlines() if "pytest" in line and not line.lstrip().startswith("#")]
    assert test_lines and all(line.strip() in README or "pytest collected" in line for line in test_lines)


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def test_readme_python_api_examples_run(tmp_path, monkeypatch, capsys):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks(README)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    for block in blocks:  # one namespace: later blocks build on earlier ones, as a reader would
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 -- our own README, the point of the test
    out = capsys.readouterr().out
    assert "5 added" in out and "error: no-such-index.sqlite: no index here yet" in out


def test_package_docstring_example_runs(tmp_path, monkeypatch, capsys):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    example = textwrap.dedent(provenance.__doc__.split("::", 1)[1])
    exec(compile(example, "provenance/__init__.py", "exec"), {})  # noqa: S102 -- our own docstring
    assert capsys.readouterr().out == "1\n"


def test_readme_installs_only_what_exists():
    assert "not on PyPI yet" in README
    assert not re.search(r"pip install ['\"]?passage-provenance['\"]?\s*$", README, re.MULTILINE)  # nothing to fetch
    assert "github.com/OWNER" not in README and "git+<your repository URL>" in README


def test_shipped_schema_is_package_data_and_the_shared_one():
    assert '"provenance/schemas/*.json"' in (REPO / "pyproject.toml").read_text()  # [tool.maturin] include
    shipped = (REPO / "provenance" / "schemas" / "report.schema.json").read_text(encoding="utf-8")
    assert json.loads(shipped)["$schema"].startswith("https://json-schema.org/")
    if not SHARED_SCHEMA.exists():
        pytest.skip(f"{SHARED_SCHEMA} not found: nothing to compare the shipped schema with")
    assert shipped == SHARED_SCHEMA.read_text(encoding="utf-8"), (
        "provenance/schemas/report.schema.json differs from ../shared/report.schema.json; copy the shared one over it"
    )


def test_shell_completion_is_documented():
    assert "_PROVENANCE_COMPLETE=bash_source provenance" in README
