"""Score a provenance report against a generated corpus's ground truth, per reuse kind.

Spans are (path, start, end) in characters. For each planted truth *t* (kind, origin span,
copy span, and for chains ``via``, B's span):

* **family** of t: the spans holding t's origin text: its origin, its ``via``, and the copy
  spans of other truths copied from an overlapping origin span (other pick-ups of the same
  wire paragraph). A report naming any of them as origin has *found* the reuse, though
  perhaps not its origin.
* **found**: some reported reuse has t's copy path, a copy span overlapping t's, and an
  origin span overlapping a span of t's family. ``recall = found / planted``.
* **span accuracy** (share of found truths): a found truth is span-accurate when one
  predicted copy span covers >= 50 % of the longer of it and the truth:
  ``overlap / max(len truth, len predicted) >= 0.5``. Adjacent spans count as one on
  either side: the truth may be t's copy span or its *region* (the copy spans of truths
  with t's copy and origin paths that only whitespace or a few characters separate,
  <= ``GAP``: the halves of a split, two merged sentences); the prediction may be one
  reported copy span that found t or the union of adjacent reported copy spans of one
  (copy, origin) pair. So the score does not depend on whether a scanner reports adjacent
  regions as one finding or several; swallowing an own sentence or a rewritten end does
  count against it.
* **origin accuracy** (share of found truths): every reported reuse that found t names
  t's true origin path (for a chain A -> B -> C, C's origin is A).
* **precision**: a reported reuse is *correct* when >= ``min_overlap`` of its copy span lies
  inside truth copy spans with its (copy, origin) paths whose origin spans it overlaps;
  it is attributed to the kind of the truth its copy span overlaps most (same copy path),
  or is *unmatched*. Unmatched reports are charged to the kinds in proportion to their
  reports: ``precision = correct / (reported + unmatched * reported / matched)``;
  ``overall`` precision is plain ``correct / all reported``.
* **hard negatives**: per negative kind, the pairs planted, the pairs some report connects
  (``hit``) and the reports connecting two members of one negative group (``findings``;
  the target is 0).

Empty ratios are 1.0.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.corpus_plan import KINDS, NEGATIVE_KINDS

__all__ = ["GAP", "evaluate", "evaluate_files", "format_table"]

GAP = 12  # characters between two spans of one region ("\n\n", " and ")

SpanT = tuple[str, int, int]


def _span(obj: dict) -> SpanT:
    return obj["path"].replace("\\", "/"), int(obj["start"]), int(obj["end"])


def _overlap(a: SpanT, b: SpanT) -> int:
    return max(0, min(a[2], b[2]) - max(a[1], b[1])) if a[0] == b[0] else 0


def _covered(span: SpanT, others: list[SpanT]) -> int:
    """Characters of ``span`` inside the union of ``others``."""
    cuts = sorted((max(span[1], o[1]), min(span[2], o[2])) for o in others if _overlap(span, o))
    total, reach = 0, span[1]
    for lo, hi in cuts:
        lo = max(lo, reach)
        if hi > lo:
            total, reach = total + hi - lo, hi
    return total


def _ratio(num: float, den: float) -> float:
    return num / den if den else 1.0


def _regions(pairs: list[tuple[SpanT, SpanT]]) -> dict[tuple[str, str], list[SpanT]]:
    """Copy spans merged per (copy path, origin path) when <= GAP characters apart."""
    spans: dict[tuple[str, str], list[SpanT]] = defaultdict(list)
    for origin, copy in pairs:
        spans[(copy[0], origin[0])].append(copy)
    out: dict[tuple[str, str], list[SpanT]] = {}
    for key, items in spans.items():
        merged: list[SpanT] = []
        for s in sorted(items, key=lambda x: (x[1], x[2])):
            if merged and s[1] - merged[-1][2] <= GAP:
                merged[-1] = (s[0], merged[-1][1], max(merged[-1][2], s[2]))
            else:
                merged.append(s)
        out[key] = merged
    return out


def _region_of(regions: list[SpanT], span: SpanT) -> SpanT:
    return max(regions, key=lambda r: _overlap(r, span))


class _Truths:
    """Planted truths with their families and regions."""

    def __init__(self, truth: dict[str, Any]) -> None:
        self.items = [(t["kind"], _span(t["origin"]), _span(t["copy"]),
                       _span(t["via"]) if "via" in t else None) for t in truth["reuses"]]
        self.regions = _regions([(o, c) for _, o, c, _ in self.items])
        by_origin: dict[str, list[int]] = defaultdict(list)
        for k, (_, o, _, _) in enumerate(self.items):
            by_origin[o[0]].append(k)
        self.family: list[list[SpanT]] = []
        for kind, o, c, via in self.items:
            fam = [o] + ([via] if via else [])
            fam += [self.items[u][2] for u in by_origin[o[0]]
                    if self.items[u][2] != c and _overlap(self.items[u][1], o)]
            self.family.append(fam)


def evaluate(report: dict, truth: dict, min_overlap: float = 0.5) -> dict[str, dict]:
    """Per-kind recall, span accuracy, origin accuracy and precision of a report (see the
    module docstring); also ``overall``, ``unmatched`` and ``negatives``."""
    truths = _Truths(truth)
    reports = [(_span(r["origin"]), _span(r["copy"])) for r in report.get("reuses", [])]
    by_copy: dict[str, list[int]] = defaultdict(list)
    for j, (_, c) in enumerate(reports):
        by_copy[c[0]].append(j)
    predicted = _regions(reports)
    kinds = list(dict.fromkeys((*KINDS, *(t[0] for t in truths.items))))
    stats: dict[str, dict[str, Any]] = {
        kind: {"planted": 0, "found": 0, "span_ok": 0, "origin_ok": 0, "reported": 0,
               "correct": 0} for kind in kinds}
    for k, (kind, o, c, _) in enumerate(truths.items):
        s = stats[kind]
        s["planted"] += 1
        finders = [j for j in by_copy.get(c[0], []) if _overlap(reports[j][1], c)
                   and any(_overlap(reports[j][0], f) for f in truths.family[k])]
        if not finders:
            continue
        s["found"] += 1
        s["origin_ok"] += all(reports[j][0][0] == o[0] for j in finders)
        region = _region_of(truths.regions[(c[0], o[0])], c)
        spans = [reports[j][1] for j in finders]
        spans += [r for path in {reports[j][0][0] for j in finders}
                  for r in predicted[(c[0], path)] if _overlap(r, c)]
        s["span_ok"] += max(_overlap(p, g) / max(p[2] - p[1], g[2] - g[1])
                            for p in spans for g in (c, region)) >= 0.5
    unmatched = _attribute(truths, reports, min_overlap, stats)
    matched = sum(s["reported"] for s in stats.values())
    for s in stats.values():
        _ratios(s, s["reported"] + unmatched * s["reported"] / max(1, matched))
    total = {key: sum(s[key] for s in stats.values())
             for key in ("planted", "found", "span_ok", "origin_ok", "correct")}
    stats["overall"] = {**total, "reported": len(reports)}
    _ratios(stats["overall"], len(reports))
    stats["unmatched"] = {"reported": unmatched}
    stats["negatives"] = _negatives(reports, truth.get("negatives", []))
    return stats


def _ratios(s: dict[str, Any], charged: float) -> None:
    s["recall"] = _ratio(s["found"], s["planted"])
    s["span_accuracy"] = _ratio(s["span_ok"], s["found"])
    s["origin_accuracy"] = _ratio(s["origin_ok"], s["found"])
    s["precision"] = _ratio(s["correct"], charged)


def _attribute(truths: _Truths, reports: list[tuple[SpanT, SpanT]], min_overlap: float,
               stats: dict[str, dict[str, Any]]) -> int:
    """Count reports (and correct ones) per kind; return how many overlap no truth copy span."""
    by_copy: dict[str, list[int]] = defaultdict(list)
    pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, (_, o, c, _) in enumerate(truths.items):
        by_copy[c[0]].append(k)
        pairs[(c[0], o[0])].append(k)
    items = truths.items
    unmatched = 0
    for o, c in reports:
        best = max(by_copy.get(c[0], []), key=lambda k: _overlap(c, items[k][2]), default=None)
        if best is None or not _overlap(c, items[best][2]):
            unmatched += 1
            continue
        same = [items[k][2] for k in pairs.get((c[0], o[0]), []) if _overlap(o, items[k][1])]
        kind = items[best][0]
        stats[kind]["reported"] += 1
        stats[kind]["correct"] += _covered(c, same) >= min_overlap * max(1, c[2] - c[1])
    return unmatched


def _negatives(reports: list[tuple[SpanT, SpanT]], negatives: list[dict]) -> dict[str, Any]:
    """Pairs hit and reports connecting two members of one negative group, per kind."""
    kinds: dict[str, dict[str, int]] = {
        kind: {"planted": 0, "hit": 0, "findings": 0}
        for kind in dict.fromkeys((*NEGATIVE_KINDS, *(n["kind"] for n in negatives)))}
    members: dict[str, list[tuple[str, SpanT]]] = defaultdict(list)  # path -> (group, span)
    group_kind: dict[str, str] = {}
    # Reports by (origin file, copy file): a negative pair only looks at the reports joining
    # its two files (looking at every report made the 100k evaluation take tens of minutes).
    between: dict[tuple[str, str], list[tuple[SpanT, SpanT]]] = defaultdict(list)
    for o, c in reports:
        between[(o[0], c[0])].append((o, c))
    for k, neg in enumerate(negatives):
        a, b = _span(neg["a"]), _span(neg["b"])
        group = neg.get("group") or f"pair-{k}"
        group_kind[group] = neg["kind"]
        for s in (a, b):
            members[s[0]].append((group, s))
        kinds[neg["kind"]]["planted"] += 1
        kinds[neg["kind"]]["hit"] += any(
            (_overlap(c, b) and _overlap(o, a)) or (_overlap(c, a) and _overlap(o, b))
            for o, c in between[(a[0], b[0])] + between[(b[0], a[0])])
    for o, c in reports:
        at_copy = {g for g, s in members.get(c[0], []) if _overlap(c, s)}
        at_origin = {g for g, s in members.get(o[0], []) if _overlap(o, s)}
        both = sorted(at_copy & at_origin)
        if both:
            kinds[group_kind[both[0]]]["findings"] += 1
    return {"planted": len(negatives), "reported": sum(k["hit"] for k in kinds.values()),
            "findings": sum(k["findings"] for k in kinds.values()), "kinds": kinds}


def evaluate_files(report_path: Path, corpus_dir: Path) -> dict[str, dict]:
    """``evaluate`` of a ``provenance report --format json`` file against a corpus folder."""
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    truth = json.loads((Path(corpus_dir) / "ground_truth.json").read_text(encoding="utf-8"))
    return evaluate(report, truth)


def format_table(stats: dict[str, dict]) -> str:
    """The per-kind table (kinds with nothing planted or reported are left out)."""
    head = (f"{'kind':<18}{'planted':>8}{'found':>7}{'recall':>8}{'span acc':>10}"
            f"{'origin acc':>12}{'reported':>10}{'precision':>11}")
    lines = [head, "-" * len(head)]
    names = [k for k in stats if k not in ("overall", "unmatched", "negatives")]
    for kind in [*names, "overall"]:
        s = stats[kind]
        if kind != "overall" and not s["planted"] and not s["reported"]:
            continue
        lines.append(f"{kind:<18}{s['planted']:>8}{s['found']:>7}{s['recall']:>8.3f}"
                     f"{s['span_accuracy']:>10.3f}{s['origin_accuracy']:>12.3f}"
                     f"{s['reported']:>10}{s['precision']:>11.3f}")
    lines.append(f"unmatched reports (overlap no planted copy): {stats['unmatched']['reported']}")
    neg = stats["negatives"]
    lines += ["", f"{'hard negative':<18}{'pairs':>8}{'hit':>7}{'findings':>10}"]
    for kind, s in neg["kinds"].items():
        lines.append(f"{kind:<18}{s['planted']:>8}{s['hit']:>7}{s['findings']:>10}")
    lines.append(f"{'total':<18}{neg['planted']:>8}{neg['reported']:>7}{neg['findings']:>10}")
    return "\n".join(lines)
