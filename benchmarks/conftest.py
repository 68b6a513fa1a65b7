"""Fixtures of the throughput benchmarks: corpus sizes, cached corpora and base indexes.

Sizes: every benchmark is parametrised over 1k / 10k / 100k articles; the ones not
selected are skipped. Select with ``PROVENANCE_BENCH_SIZES=1000,10000`` (the default)
or ``--bench-sizes 1000``. Corpora and the base indexes of the incremental and
``check`` benchmarks are built once and cached in ``benchmarks/.corpus-cache``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus import CorpusSpec, cached_corpus, load_truth
from benchmarks.measure import Units, units_of

SIZES = (1_000, 10_000, 100_000)
DEFAULT_SIZES = "1000,10000"
#: Signature and candidate benchmarks sign at most this many passages (about the whole
#: 10k corpus), so the slowest anchor stays within minutes at 100k.
MAX_PASSAGES = 500_000
#: Articles held out of the base index and added by the incremental benchmark.
NEW_ARTICLES = 1_000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bench-sizes", default=None,
                     help=f"Corpus sizes to benchmark, comma-separated (default $PROVENANCE_BENCH_SIZES or {DEFAULT_SIZES}).")


def selected_sizes(config: pytest.Config) -> set[int]:
    raw = config.getoption("--bench-sizes", default=None) or os.environ.get("PROVENANCE_BENCH_SIZES") or DEFAULT_SIZES
    try:
        return {int(part) for part in raw.replace(" ", "").split(",") if part}
    except ValueError:
        raise pytest.UsageError(f"--bench-sizes/PROVENANCE_BENCH_SIZES: expected sizes like 1000,10000, got {raw!r}") from None


@pytest.fixture(scope="session", params=SIZES, ids=lambda size: f"{size // 1000}k")
def size(request: pytest.FixtureRequest) -> int:
    if request.param not in selected_sizes(request.config):
        pytest.skip(f"size {request.param} not selected (PROVENANCE_BENCH_SIZES / --bench-sizes)")
    return int(request.param)


@dataclass(frozen=True, slots=True)
class Corpus:
    size: int
    root: Path
    truth: dict[str, Any]

    @property
    def articles(self) -> list[Path]:
        return sorted(self.root.rglob("*.txt"))

    @property
    def megabytes(self) -> float:
        return sum(path.stat().st_size for path in self.articles) / 1_000_000

    def held_out(self) -> list[Path]:
        """The articles the base index leaves out: every k-th one, about :data:`NEW_ARTICLES`."""
        articles = self.articles
        count = min(NEW_ARTICLES, len(articles) // 10)
        step = len(articles) // count
        return articles[::step][:count]


_corpora: dict[int, Corpus] = {}
_units: dict[int, Units] = {}


@pytest.fixture(scope="session")
def corpus(size: int) -> Corpus:
    return corpus_of(size)


def corpus_of(size: int) -> Corpus:
    """The cached generated corpus of ``size`` articles (generated on first use)."""
    if size not in _corpora:
        root = cached_corpus(CorpusSpec(size))
        _corpora[size] = Corpus(size, root, load_truth(root))
    return _corpora[size]


@pytest.fixture(scope="session")
def passages(corpus: Corpus) -> Units:
    """The corpus's passages (at most :data:`MAX_PASSAGES`), shared by every signer."""
    if corpus.size not in _units:
        _units.clear()  # one size in memory at a time
        _units[corpus.size] = units_of(corpus.root, limit=MAX_PASSAGES)
    return _units[corpus.size]


@pytest.fixture(scope="session")
def base_index(corpus: Corpus) -> Path:
    """An index of the corpus without its held-out articles (built once, then cached)."""
    return build_base_index(corpus)


def build_base_index(corpus: Corpus) -> Path:
    """``python -c "from benchmarks.conftest import *; build_base_index(corpus_of(10000))"``
    builds it ahead of a benchmark run."""
    from provenance import Index, ScanOptions, scan
    from provenance.store.schema import SCHEMA_VERSION

    target = corpus.root.parent / f"index-{corpus.root.name}-base-v{SCHEMA_VERSION}.sqlite"
    if not target.exists():
        building = target.with_suffix(".building")
        for leftover in building.parent.glob(building.name + "*"):
            leftover.unlink()
        held = {path.resolve() for path in corpus.held_out()}
        with Index.open(building) as index:
            # Every article but the held-out ones, named: the root and display paths are
            # those a scan of the corpus folder gives, so the incremental scan only adds.
            # (Scanning them and deleting them after left their keys in the lookup
            # structures as dead entries, which a real index never holds for new articles.)
            scan(sorted(path for path in corpus.root.rglob("*.txt") if path.resolve() not in held), index,
                 ScanOptions(batch_size=256))
        _checkpoint(building)
        os.replace(building, target)
    else:
        _add_optional_indexes(target)
    return target


def _add_optional_indexes(path: Path) -> None:
    """A base cached by an older build gains the covering indexes any writable open adds
    (a ``check`` opens it read only, so it would never have them)."""
    import sqlite3
    from contextlib import closing

    from provenance import Index
    from provenance.store.schema import OPTIONAL_INDEXES, index_exists

    with closing(sqlite3.connect(path)) as connection:
        missing = [name for name in OPTIONAL_INDEXES if not index_exists(connection, name)]
    if missing:
        with Index.open(path):
            pass
        _checkpoint(path)


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file so a plain copy of it is the whole index."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.unlink()


def copy_index(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        leftover = target.with_name(target.name + suffix)
        if leftover.exists():
            leftover.unlink()
    shutil.copyfile(source, target)
    # Flushed here, in the setup: the copy's gigabytes of dirty pages would otherwise be
    # written back during the measured scan, whose first checkpoint fsyncs the file (at
    # 100k articles that added ~3 s to the incremental scan's time).
    with open(target, "rb+") as copied:
        os.fsync(copied.fileno())
    return target
