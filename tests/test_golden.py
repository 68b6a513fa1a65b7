"""Golden outputs: every command's output over the seeds, byte for byte.

The snapshots under ``tests/snapshots/golden/`` were written before the code moved into
``ingest/``, ``ci/`` and ``cli/`` and must not change when code only moves. After an
intended change of an output, regenerate them and review the diff::

    PROVENANCE_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_golden.py -q
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report.conftest import assert_snapshot

GOLDEN = Path(__file__).parent / "snapshots" / "golden"
COPY = "seeds/002_b5b547b9f015d507.txt"

#: name -> command line; run in order in one folder holding ``seeds/``.
COMMANDS: dict[str, tuple[str, ...]] = {
    "scan.json": ("scan", "seeds", "--json", "-q", "--workers", "1"),
    "report.json": ("report", "--format", "json"),
    "report-text.json": ("report", "--format", "json", "--include-text"),
    "report.txt": ("report", "--format", "text", "--no-pager"),
    "report-limit.txt": ("report", "--limit", "2", "--kind", "verbatim", "--no-pager"),
    "report.md": ("report", "--format", "markdown"),
    "report.csv": ("report", "--format", "csv", "--include-text"),
    "report.html": ("report", "--format", "html"),
    "check.txt": ("check", "seeds", "--index", "provenance.sqlite"),
    "check.json": ("check", "seeds", "--index", "provenance.sqlite", "--format", "json"),
    "check.sarif": ("check", "seeds", "--index", "provenance.sqlite", "--format", "sarif"),
    "check.github": ("check", "seeds", "--index", "provenance.sqlite", "--format", "github"),
    "check.junit": ("check", "seeds", "--index", "provenance.sqlite", "--format", "junit",
                    "--allow-source", "*", "--max-reused-share", "0.3"),
    "check-fresh.sarif": ("check", COPY, "--index", "absent.sqlite", "--format", "sarif"),
    "baseline.txt": ("baseline", "seeds", "--index", "provenance.sqlite", "-o", "baseline.json"),
    "check-baseline.json": ("check", "seeds", "--index", "provenance.sqlite", "--baseline", "baseline.json",
                            "--format", "json"),
    "trace.txt": ("trace", COPY),
    "trace.json": ("trace", COPY, "--format", "json"),
    "bad-share.txt": ("check", "seeds", "--max-reused-share", "2"),
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each command's exit code, stdout and stderr (one text per command), run once."""
    import shutil

    from provenance.cli import main
    from tests.conftest import SEEDS

    work = tmp_path_factory.mktemp("golden")
    shutil.copytree(SEEDS, work / "seeds")
    results: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        patch.delenv("PROVENANCE_INDEX", raising=False)
        patch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        patch.setenv("COLUMNS", "100")
        for name, args in COMMANDS.items():
            capture = _Capture()
            with capture:
                code = main(list(args))
            results[name] = f"exit {code}\n--- stdout\n{capture.out}--- stderr\n{capture.err}"
        results["baseline-file.json"] = (work / "baseline.json").read_text(encoding="utf-8")
    return results


class _Capture:
    """stdout and stderr of one in-process CLI run (click writes through ``sys``)."""

    def __enter__(self) -> None:
        import io
        import sys

        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self._out, self._err = io.StringIO(), io.StringIO()

    def __exit__(self, *exc: object) -> None:
        import sys

        sys.stdout, sys.stderr = self._saved
        self.out, self.err = self._out.getvalue(), self._err.getvalue()


@pytest.mark.parametrize("name", [*COMMANDS, "baseline-file.json"])
def test_output_is_byte_identical_to_the_golden_file(outputs: dict[str, str], name: str) -> None:
    assert_snapshot(name, outputs[name], GOLDEN, "tests/test_golden.py")
