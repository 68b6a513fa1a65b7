"""Shared by the engine tests: the generated corpus, an in-process CLI that captures
stdout and stderr (usable from module-scoped fixtures), and the local engine's report
every other engine must reproduce byte for byte."""

from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

import pytest

from provenance.cli import main

HAVE_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(
    not HAVE_DASK, reason="dask[distributed] is not installed (pip install 'passage-provenance[dask]' or '.[test]')"
)


def cli(*args: str) -> tuple[int, str, str]:
    """``provenance ARGS`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def json_report(index: Path) -> str:
    code, out, err = cli("report", "--format", "json", "--index", str(index))
    assert code == 0, err
    assert '"reuses": [\n    {' in out  # there is something to compare
    return out


def scan_and_report(corpus: Path, index: Path, *scan_args: str) -> str:
    code, _, err = cli("scan", str(corpus), "--index", str(index), "-q", *scan_args)
    assert code == 0, err
    return json_report(index)


@pytest.fixture(scope="module")
def corpus(generated_corpus_150: Path) -> Path:
    return generated_corpus_150


@pytest.fixture(scope="session")
def local_report(generated_corpus_150: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """``report --format json`` of an uninterrupted local scan of the corpus."""
    index = tmp_path_factory.mktemp("engines-local") / "local.sqlite"
    return scan_and_report(generated_corpus_150, index, "--workers", "1", "--batch-size", "8")
