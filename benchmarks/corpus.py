"""Synthetic news corpus with planted, known reuse: the ground truth for recall/precision tests.

``generate_corpus`` writes newspaper3k-style ``.txt`` articles plus ``ground_truth.json``;
``cached_corpus`` keeps one generated copy per spec for benchmarks; ``evaluate`` scores a
provenance report against the truth. Planning (who copies whom) needs only the cheap
article structure; texts come from one seeded generator per article, so an origin article
can be regenerated instead of holding 100k articles in memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks.corpus_plan import KINDS, Plan, Span, Truth, make_plan
from benchmarks.corpus_text import TextModel, build_text_model, jaccard, normalise, shingles
from benchmarks.corpus_world import World, make_world

__all__ = ["KINDS", "CorpusSpec", "cached_corpus", "evaluate", "generate_corpus", "jaccard",
           "load_truth", "normalise", "shingles"]

GENERATOR_VERSION = 2  # bump when output changes, so cached corpora are rebuilt
MARKER = ".complete"
TRUTH = "ground_truth.json"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".corpus-cache"


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    """Everything that determines a corpus; equal specs give byte-identical corpora."""

    num_articles: int
    seed: int = 0
    num_outlets: int = 8
    reuse_rate: float = 0.3  # share of dated articles that contain planted copies
    undated_share: float = 0.03  # no header, no date; never part of planted reuse
    reuses_per_copy: float = 1.5  # planted reuse events per copying article
    negative_rate: float = 0.1  # negatives (half rewritten, half common-phrase) per article
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
    for p, name in plan.forced.get(i, {}).items():
        toks = paras[p][0].split(" ")
        toks[len(toks) // 2:len(toks) // 2] = model.topic_names[topic][name]
        paras[p][0] = " ".join(toks)
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
            sents = plan.block_sentences(key, paras, world.outlets[int(world.outlet[i])])
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
    return {"path": world.path(span.article), "start": sents[span.lo][0],
            "end": sents[span.hi - 1][1]}


def _reuse_json(world: World, reuse: Truth, offsets: dict) -> dict:
    out = {"kind": reuse.kind, "origin": _span_json(world, reuse.origin, offsets),
           "copy": _span_json(world, reuse.copy, offsets), "jaccard": reuse.jaccard}
    if reuse.via is not None:
        out["via"] = _span_json(world, reuse.via, offsets)
    return out


def _negative_json(out_dir: Path, world: World, neg: Truth, offsets: dict) -> dict:
    """Negative pair with its measured Jaccard (read back, since name phrases are added late)."""
    a, b = _span_json(world, neg.origin, offsets), _span_json(world, neg.copy, offsets)
    texts = [_read(out_dir / s["path"])[s["start"]:s["end"]] for s in (a, b)]
    return {"kind": neg.kind, "a": a, "b": b, "jaccard": jaccard(texts[0], texts[1])}


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def generate_corpus(out_dir: Path, spec: CorpusSpec) -> dict:
    """Write the corpus into ``out_dir`` and ``out_dir/ground_truth.json``; return the truth."""
    out_dir = Path(out_dir)
    model = build_text_model(spec.seed, spec.vocab_size, spec.num_topics)
    world = make_world(spec, model)
    plan = make_plan(spec, world)
    plan.realise(model, world, _origin_paragraphs(model, world, plan))
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


# --------------------------------------------------------------------------- scoring

_Span = tuple[str, int, int]


def _span(obj: dict) -> _Span:
    return obj["path"].replace("\\", "/"), int(obj["start"]), int(obj["end"])


def _overlap(a: _Span, b: _Span) -> int:
    return max(0, min(a[2], b[2]) - max(a[1], b[1])) if a[0] == b[0] else 0


def _covered(span: _Span, others: list[_Span]) -> int:
    """Characters of ``span`` inside the union of ``others`` (same path assumed)."""
    cuts = sorted((max(span[1], o[1]), min(span[2], o[2])) for o in others if _overlap(span, o))
    total, reach = 0, span[1]
    for lo, hi in cuts:
        lo = max(lo, reach)
        if hi > lo:
            total, reach = total + hi - lo, hi
    return total


def _ratio(num: float, den: float) -> float:
    return num / den if den else 1.0


def evaluate(report: dict, truth: dict, min_overlap: float = 0.5) -> dict[str, dict]:
    """Recall and precision of a provenance report against the ground truth, per reuse kind.

    * A truth entry is *found* when some reported reuse has the same copy and origin paths,
      its copy span covers >= ``min_overlap`` of the truth copy span, and its origin span
      overlaps the truth origin span.
    * A reported reuse is *correct* when >= ``min_overlap`` of its copy span lies inside the
      union of truth copy spans with the same copy/origin paths whose origin spans it
      overlaps (so one report covering a whole merged paragraph is correct, and for a chain
      A -> B -> C only A counts as C's origin).
    * Each reported reuse is attributed to the kind of the truth entry (same copy path) whose
      copy span it overlaps most, or to ``"unmatched"`` if it overlaps none (boilerplate,
      negatives, invented reuse). Unmatched reports are charged to the kinds in proportion to
      their matched reports: ``precision = correct / (reported + unmatched * reported /
      max(1, matched))``. ``"overall"`` is plain ``correct / all reported``.
    * ``"negatives"`` counts negative pairs hit by a report (copy span overlapping one side
      and origin span the other, in either direction). Empty ratios are 1.0.
    """
    truths = [(t["kind"], _span(t["origin"]), _span(t["copy"])) for t in truth["reuses"]]
    reports = [(_span(r["origin"]), _span(r["copy"])) for r in report.get("reuses", [])]
    stats: dict[str, dict[str, float]] = {
        kind: {"planted": 0, "found": 0, "reported": 0, "correct": 0}
        for kind in (*KINDS, *(t[0] for t in truths))
    }
    for (kind, _, _), hit in zip(truths, _found(truths, reports, min_overlap)):
        stats[kind]["planted"] += 1
        stats[kind]["found"] += hit
    unmatched = _attribute(truths, reports, min_overlap, stats)
    matched = sum(s["reported"] for s in stats.values())
    for s in stats.values():
        share = unmatched * s["reported"] / max(1, matched)
        s["recall"] = _ratio(s["found"], s["planted"])
        s["precision"] = _ratio(s["correct"], s["reported"] + share)
    total = {key: sum(s[key] for s in stats.values()) for key in ("planted", "found", "correct")}
    stats["overall"] = {**total, "reported": len(reports),
                        "recall": _ratio(total["found"], total["planted"]),
                        "precision": _ratio(total["correct"], len(reports))}
    stats["unmatched"] = {"reported": unmatched}
    stats["negatives"] = _negatives_hit(reports, truth.get("negatives", []))
    return stats


_Truths = list[tuple[str, _Span, _Span]]
_Reports = list[tuple[_Span, _Span]]


def _by_pair(pairs: list[tuple[_Span, _Span]]) -> dict[tuple[str, str], list[int]]:
    """Indices grouped by (copy path, origin path)."""
    index: dict[tuple[str, str], list[int]] = {}
    for k, (origin, copy) in enumerate(pairs):
        index.setdefault((copy[0], origin[0]), []).append(k)
    return index


def _found(truths: _Truths, reports: _Reports, min_overlap: float) -> list[bool]:
    """Per truth entry: some report with its paths covers enough of its copy span."""
    index = _by_pair(reports)
    return [any(_overlap(reports[j][1], c) >= min_overlap * (c[2] - c[1])
                and _overlap(reports[j][0], o) > 0 for j in index.get((c[0], o[0]), []))
            for _, o, c in truths]


def _attribute(truths: _Truths, reports: _Reports, min_overlap: float,
               stats: dict[str, dict[str, float]]) -> int:
    """Count reports (and correct ones) per kind; return how many overlap no truth copy span."""
    pairs = _by_pair([(o, c) for _, o, c in truths])
    by_copy: dict[str, list[int]] = {}
    for k, (_, _, c) in enumerate(truths):
        by_copy.setdefault(c[0], []).append(k)
    unmatched = 0
    for o, c in reports:
        best = max(by_copy.get(c[0], []), key=lambda k: _overlap(c, truths[k][2]), default=None)
        if best is None or not _overlap(c, truths[best][2]):
            unmatched += 1
            continue
        same = [truths[k][2] for k in pairs.get((c[0], o[0]), []) if _overlap(o, truths[k][1])]
        kind = truths[best][0]
        stats[kind]["reported"] += 1
        stats[kind]["correct"] += _covered(c, same) >= min_overlap * max(1, c[2] - c[1])
    return unmatched


def _negatives_hit(reports: _Reports, negatives: list[dict]) -> dict[str, float]:
    """How many negative pairs some report connects (either direction)."""
    out: dict[str, float] = {"planted": len(negatives), "reported": 0}
    for neg in negatives:
        a, b = _span(neg["a"]), _span(neg["b"])
        hit = any((_overlap(c, b) and _overlap(o, a)) or (_overlap(c, a) and _overlap(o, b))
                  for o, c in reports)
        out.setdefault(neg["kind"], 0)
        out[neg["kind"]] += hit
        out["reported"] += hit
    return out


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.corpus OUT_DIR --articles N --seed S``"""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--reuse-rate", type=float, default=0.3)
    args = parser.parse_args(argv)
    spec = CorpusSpec(args.articles, seed=args.seed, num_outlets=args.outlets,
                      reuse_rate=args.reuse_rate)
    started = time.perf_counter()
    truth = generate_corpus(args.out_dir, spec)
    counts: dict[str, int] = {}
    for item in truth["reuses"] + truth["negatives"]:
        counts[item["kind"]] = counts.get(item["kind"], 0) + 1
    elapsed = time.perf_counter() - started
    print(f"{len(truth['articles'])} articles in {args.out_dir} ({elapsed:.1f} s)")
    print(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
