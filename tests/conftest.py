"""Shared fixtures: seed copies, a CLI runner that goes through ``main`` (exit-code
mapping included), and a writer for small synthetic articles."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from provenance.cli import main

# Hypothesis profiles: CI runs "default"; HYPOTHESIS_PROFILE=long digs much deeper.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", deadline=None, max_examples=20_000, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
#: The shared copy beside the clone (when there is one); tests validate against the
#: package's own copy, which tests/test_docs.py keeps identical to it.
SHARED_SCHEMA = REPO.parent / "shared" / "report.schema.json"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def later_seeds(seeds_dir: Path, tmp_path: Path) -> Path:
    """Half the seed articles moved out of ``seeds_dir`` into a folder of their own: what
    a later scan (or check) brings to an index of the other half."""
    later = tmp_path / "later"
    later.mkdir()
    articles = sorted(path for path in seeds_dir.rglob("*") if path.is_file())
    for article in articles[: len(articles) // 2]:
        article.rename(later / article.name)
    return later


@pytest.fixture
def report_schema() -> dict:
    from provenance.report.schema import report_schema

    return report_schema()


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., CliResult]:
    monkeypatch.delenv("PROVENANCE_INDEX", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def article(url: str | None, published: str | None, title: str, paragraphs: Sequence[str], authors: Sequence[str] = ("A. Writer",)) -> str:
    """Text of an article, with a newspaper3k header when ``url`` is given."""
    body = "\n\n".join(paragraphs)
    if url is None:
        return f"{title}\n\n{body}"
    return f"{url}\n{list(authors)!r}\n{published or ''}\n{title}\n \n{body}"


@pytest.fixture
def write_article(tmp_path: Path) -> Callable[..., Path]:
    def write(relative: str, *args: object, root: Path | None = None, **kwargs: object) -> Path:
        path = (root or tmp_path / "corpus") / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article(*args, **kwargs), encoding="utf-8", newline="")  # type: ignore[arg-type]
        return path

    return write


def prose(seed: int, sentences: int = 3, words: int = 14) -> str:
    """Deterministic filler paragraph of made-up words, unrelated across seeds."""
    import random

    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "tas", "vo", "qui", "zan", "dre", "pol", "sun", "ber", "hal", "nix"]
    out = []
    for _ in range(sentences):
        body = " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(words))
        out.append(body[0].upper() + body[1:] + ".")
    return " ".join(out)


@pytest.fixture(scope="session")
def generated_corpus_150(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 150-article generated corpus (seed 3) without its truth file, shared by the
    engine and worker-count comparisons."""
    from benchmarks.corpus import CorpusSpec, generate_corpus

    root = tmp_path_factory.mktemp("generated") / "corpus"
    generate_corpus(root, CorpusSpec(num_articles=150, seed=3))
    (root / "ground_truth.json").unlink()
    return root
