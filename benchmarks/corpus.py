"""Synthetic news corpus with planted, known reuse: the ground truth for recall/precision tests.

``generate_corpus`` writes newspaper3k-style ``.txt`` articles plus ``ground_truth.json``;
``cached_corpus`` keeps one generated copy per spec for benchmarks; ``evaluate``
(``corpus_eval``) scores a provenance report against the truth, per kind. Planning (who
copies whom, ``corpus_plan``) needs only the cheap article structure; texts come from one
seeded generator per article, so an origin article can be regenerated instead of holding
100k articles in memory.

``ground_truth.json``: ``reuses`` (kind, event, origin and copy spans, ``via`` = B's span
for the A -> C link of a chain, Jaccard and containment of the two spans), ``negatives``
(kind, spans ``a`` and ``b``, ``group`` when every pair of the group's members is a
negative), ``boilerplate`` (each outlet's lines) and ``articles``. Spans are
``{"path", "start", "end"}`` character offsets into the file; the kinds and how their spans
are cut are described in ``corpus_kinds``, ``corpus_subedit`` and ``corpus_negatives``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks.corpus_eval import evaluate, evaluate_files, format_table
from benchmarks.corpus_negatives import decorate
from benchmarks.corpus_plan import KINDS, NEGATIVE_KINDS, make_plan, realise
from benchmarks.corpus_text import (
    TextModel,
    build_text_model,
    containment,
    jaccard,
    normalise,
    shingles,
)
from benchmarks.corpus_truth import Plan, Span, Truth
from benchmarks.corpus_world import World, make_world

__all__ = ["KINDS", "NEGATIVE_KINDS", "CorpusSpec", "cached_corpus", "containment", "evaluate",
           "format_table", "generate_corpus", "jaccard", "load_truth", "normalise", "shingles"]

GENERATOR_VERSION = 4  # bump when output changes, so cached corpora are rebuilt
MARKER = ".complete"
TRUTH = "ground_truth.json"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".corpus-cache"


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    """Everything that determines a corpus; equal specs give byte-identical corpora."""

    num_articles: int
    seed: int = 0
    kinds: tuple[str, ...] = KINDS  # planted kinds, planned in equal numbers
    min_events_per_kind: int = 0  # plant at least this many events of every kind
    num_outlets: int = 8
    reuse_rate: float = 0.3  # share of dated articles that contain planted copies
    undated_share: float = 0.03  # no header, no date; never part of planted reuse
    reuses_per_copy: float = 1.5  # planted reuse events per copying article
    negative_rate: float = 0.1  # negatives (half rewritten, half common-phrase) per article
    story_rate: float = 0.03  # same-story negatives (2-4 articles each) per article
    stock_share: float = 0.02  # share of articles with each stock phrase / shared notice
    date_only_share: float = 0.02  # 'YYYY-MM-DD 00:00:00' stamps, at most one per day
    boilerplate_min_share: float = 0.65  # each boilerplate line is in >= this share of its outlet
    num_topics: int = 24
    vocab_size: int = 20_000
    start_date: str = "2021-01-04"
    days: int = 120


# --------------------------------------------------------------------------- writing


def _article_text(model: TextModel, world: World, plan: Plan, i: int
                  ) -> tuple[np.random.Generator, str, str, list[list[str]]]:
    """Seeded generator, title, authors line and fresh paragraphs of article i."""
    rng = np.random.default_rng([world.seed, 0, i])
    topic = int(world.topic[i])
    title = model.title(rng, topic)
    staff = world.outlets[int(world.outlet[i])].staff
    authors = [staff[j] for j in sorted(set(rng.integers(0, len(staff), 2).tolist()))]
    counts = world.sentence_counts(i)
    sents = model.sentences(rng, topic, int(sum(counts)))
    paras, at = [], 0
    for c in counts:
        paras.append(sents[at:at + c])
        at += c
    decorate(model, plan, world.seed, i, topic, paras)
    return rng, title, repr(authors[: 1 + int(rng.random() < 0.4)]), paras


def _origin_paragraphs(model: TextModel, world: World, plan: Plan
                       ) -> dict[tuple[int, int], list[str]]:
    """Pass A: regenerate only articles that are origins, keep only their needed paragraphs."""
    needed: dict[int, set[int]] = {}
    for art, para in plan.needed_origins():
        needed.setdefault(art, set()).add(para)
    out = {}
    for art in sorted(needed):
        paras = _article_text(model, world, plan, art)[3]
        for p in needed[art]:
            out[(art, p)] = paras[p]
    return out


def _header(world: World, i: int, title: str, authors: str) -> str:
    """newspaper3k header (URL, authors, date, title, ' ') or just the title if undated."""
    if world.ts[i] < 0:
        return title + "\n\n"
    stamp = world.stamp(i)
    slug = "-".join(w.lower() for w in title.split()[:8])
    host = world.outlets[int(world.outlet[i])].host
    url = f"https://{host}/{stamp[:10].replace('-', '/')}/{slug}/index.html"
    return f"{url}\n{authors}\n{stamp}\n{title}\n \n"


def _write_articles(out_dir: Path, model: TextModel, world: World, plan: Plan
                    ) -> tuple[dict[tuple[int, tuple], list[tuple[int, int]]], list[str | None]]:
    """Pass B: write every article; return sentence offsets of cited blocks, and the URLs."""
    cited = plan.cited_blocks()
    offsets: dict[tuple[int, tuple], list[tuple[int, int]]] = {}
    urls: list[str | None] = []
    for o in world.outlets:
        (out_dir / o.slug).mkdir(parents=True, exist_ok=True)
    for i in range(world.n):
        rng, title, authors, paras = _article_text(model, world, plan, i)
        head = _header(world, i, title, authors)
        urls.append(head.split("\n", 1)[0] if world.ts[i] >= 0 else None)
        parts, at = [head], len(head)
        for key in plan.layout(rng, world, i):
            sents = plan.block_sentences(i, key, paras, world.outlets[int(world.outlet[i])])
            if len(parts) > 1:
                parts.append("\n\n")
                at += 2
            if (i, key) in cited:
                offsets[(i, key)] = _sentence_offsets(sents, at)
            block = " ".join(sents)
            parts.append(block)
            at += len(block)
        with open(out_dir / world.path(i), "w", encoding="utf-8", newline="") as fh:
            fh.write("".join(parts))
    return offsets, urls


def _sentence_offsets(sents: list[str], at: int) -> list[tuple[int, int]]:
    spans = []
    for s in sents:
        spans.append((at, at + len(s)))
        at += len(s) + 1
    return spans


def _span_json(world: World, span: Span, offsets: dict) -> dict:
    sents = offsets[(span.article, span.block)]
    return {"path": world.path(span.article), "start": sents[span.lo][0] + span.skip,
            "end": sents[span.hi - 1][1] - span.cut}


def _reuse_json(world: World, reuse: Truth, offsets: dict) -> dict:
    out = {"kind": reuse.kind, "event": reuse.event,
           "origin": _span_json(world, reuse.origin, offsets),
           "copy": _span_json(world, reuse.copy, offsets), "jaccard": reuse.jaccard,
           "containment": reuse.containment}
    if reuse.via is not None:
        out["via"] = _span_json(world, reuse.via, offsets)
    return out


def _negative_json(out_dir: Path, world: World, neg: Truth, offsets: dict) -> dict:
    """Negative pair with its measured Jaccard (read back: negatives are decorated late)."""
    a, b = _span_json(world, neg.origin, offsets), _span_json(world, neg.copy, offsets)
    texts = [_read(out_dir / s["path"])[s["start"]:s["end"]] for s in (a, b)]
    out = {"kind": neg.kind, "a": a, "b": b, "jaccard": jaccard(texts[0], texts[1])}
    if neg.group is not None:
        out["group"] = neg.group
    return out


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def generate_corpus(out_dir: Path, spec: CorpusSpec) -> dict:
    """Write the corpus into ``out_dir`` and ``out_dir/ground_truth.json``; return the truth."""
    out_dir = Path(out_dir)
    model = build_text_model(spec.seed, spec.vocab_size, spec.num_topics)
    world = make_world(spec, model)
    plan = make_plan(spec, world, model)
    realise(plan, model, world, _origin_paragraphs(model, world, plan))
    offsets, urls = _write_articles(out_dir, model, world, plan)
    truth = {
        "spec": asdict(spec),
        "articles": [{"path": world.path(i), "url": urls[i], "published": world.iso(i),
                      "outlet": world.outlets[int(world.outlet[i])].slug} for i in range(world.n)],
        "reuses": [_reuse_json(world, r, offsets) for r in plan.truth],
        "boilerplate": [{"outlet": o.slug, "text": line}
                        for o in world.outlets for line in o.boilerplate],
        "negatives": [_negative_json(out_dir, world, ng, offsets) for ng in plan.negatives],
    }
    with open(out_dir / TRUTH, "w", encoding="utf-8", newline="") as fh:
        json.dump(truth, fh, indent=1)
    return truth


def load_truth(corpus_dir: Path) -> dict:
    """The ground truth stored next to a generated corpus."""
    return json.loads((Path(corpus_dir) / TRUTH).read_text(encoding="utf-8"))


def cached_corpus(spec: CorpusSpec, cache_root: Path | None = None) -> Path:
    """Generate once per spec into ``cache_root`` (default ``benchmarks/.corpus-cache``).

    The corpus is built in a private temporary folder, marked complete, then renamed into
    place, so an interrupted run never leaves a folder that looks finished; a folder without
    the marker is deleted and rebuilt.
    """
    root = Path(cache_root) if cache_root is not None else DEFAULT_CACHE
    key = json.dumps({"v": GENERATOR_VERSION, **asdict(spec)}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    target = root / f"corpus-{spec.num_articles}-s{spec.seed}-{digest}"
    if (target / MARKER).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    tmp = root / f".tmp-{target.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    generate_corpus(tmp, spec)
    (tmp / MARKER).write_text(key, encoding="utf-8")
    try:
        os.rename(tmp, target)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / MARKER).is_file():
            raise
    return target


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.corpus [generate] OUT_DIR --articles N --seed S`` writes a corpus;
    ``python -m benchmarks.corpus evaluate REPORT.json CORPUS_DIR`` prints the per-kind table
    of a ``provenance report --format json`` file (``--json`` for the numbers)."""
    args_in = sys.argv[1:] if argv is None else list(argv)
    if args_in[:1] == ["evaluate"]:
        return _evaluate_command(args_in[1:])
    return _generate_command(args_in[1:] if args_in[:1] == ["generate"] else args_in)


def _generate_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus [generate]",
                                     description="Write a generated corpus and its ground truth.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--reuse-rate", type=float, default=0.3)
    parser.add_argument("--min-per-kind", type=int, default=0,
                        help="plant at least this many events of every kind")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="comma-separated planted kinds (default: all)")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"--kinds: unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    spec = CorpusSpec(args.articles, seed=args.seed, num_outlets=args.outlets,
                      reuse_rate=args.reuse_rate, kinds=kinds,
                      min_events_per_kind=args.min_per_kind)
    started = time.perf_counter()
    truth = generate_corpus(args.out_dir, spec)
    counts: dict[str, int] = {}
    for item in truth["reuses"] + truth["negatives"]:
        counts[item["kind"]] = counts.get(item["kind"], 0) + 1
    elapsed = time.perf_counter() - started
    print(f"{len(truth['articles'])} articles in {args.out_dir} ({elapsed:.1f} s)")
    print(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
    return 0


def _evaluate_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus evaluate",
        description="Score a provenance JSON report against a generated corpus, per kind "
                    "(definitions: benchmarks/corpus_eval.py).",
        epilog="example: provenance scan corpus --index x.sqlite -q; provenance report "
               "--format json --index x.sqlite -o r.json; "
               "python -m benchmarks.corpus evaluate r.json corpus")
    parser.add_argument("report", type=Path, help="provenance report --format json output")
    parser.add_argument("corpus_dir", type=Path, help="folder holding ground_truth.json")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    for path, what in ((args.report, "report"), (args.corpus_dir / TRUTH, "ground truth")):
        if not path.is_file():
            parser.error(f"{what} {path} not found")
    stats = evaluate_files(args.report, args.corpus_dir)
    print(json.dumps(stats, indent=1) if args.json else format_table(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
