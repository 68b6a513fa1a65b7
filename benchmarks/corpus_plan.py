"""Who copies what from whom: planted reuse, negatives, paragraph drops and date stamps.

Planning only needs article structure (outlet, topic, time, sentences per paragraph), so it
is cheap at 100k articles; texts are derived later (``realise``) from the origin
paragraphs by the realisers of ``corpus_kinds`` (whole sentences) and ``corpus_subedit``
(token-tracked sub-editing); hard negatives come from ``corpus_negatives``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import corpus_kinds, corpus_negatives, corpus_subedit
from benchmarks.corpus_text import TextModel
from benchmarks.corpus_truth import Context, Event, Plan, Span, Truth
from benchmarks.corpus_world import DAY, World

__all__ = ["KINDS", "NEGATIVE_KINDS", "make_plan", "realise"]

KINDS = ("verbatim", "edited", "embedded", "split", "merged", "chained",
         "abridged", "trimmed-quote", "rewritten-end", "merged-sentences", "spread")
NEGATIVE_KINDS = ("rewritten", "common-phrase", "same-story", "stock-phrase", "boilerplate")
REALISERS = {**corpus_kinds.REALISERS, **corpus_subedit.REALISERS}
# Kinds that may copy a paragraph someone already copied (a wire story picked up again).
_POPULAR = ("verbatim", "edited", "embedded", "abridged", "rewritten-end", "trimmed-quote")


def realise(plan: Plan, model: TextModel, world: World,
            origins: dict[tuple[int, int], list[str]]) -> None:
    """Create every planted paragraph from its origin text and record measured truth."""
    for n, ev in enumerate(plan.events):
        ctx = Context(model, world, np.random.default_rng([world.seed, 1, n]), origins, n)
        REALISERS[ev.kind](plan, ctx, ev)


class _Planner:
    """Draws the events of a corpus with one seeded generator, in a fixed order."""

    def __init__(self, world: World, model: TextModel, rng: np.random.Generator) -> None:
        self.world, self.model, self.rng, self.plan = world, model, rng, Plan()
        self.used: set[tuple[int, int, int]] = set()
        self.related: dict[int, set[int]] = {}
        self.origins: list[tuple[int, int]] = []  # (article, paragraph) already copied once
        self.origin_paras: set[tuple[int, int]] = set()

    def _relate(self, *articles: int) -> None:
        for a in articles:
            self.related.setdefault(a, set()).update(b for b in articles if b != a)

    def busy(self, article: int, para: int) -> bool:
        """An origin paragraph or one already decorated: no negative goes there."""
        return (article, para) in self.origin_paras or para in self.plan.decor.get(article, {})

    def _fits(self, kind: str, counts: list[int], p: int) -> bool:
        if kind == "split":
            return counts[p] >= 4
        if kind == "merged":
            return p + 1 < len(counts)
        return kind != "spread" or counts[p] >= 2

    def pick_origin(self, copy: int, kind: str, same_topic: bool = False) -> tuple[int, int] | None:
        """An earlier dated article and a fresh paragraph fit for ``kind``; mostly other outlets."""
        w, rng = self.world, self.rng
        if kind in _POPULAR and self.origins and rng.random() < 0.15:
            for _ in range(5):  # a popular paragraph, picked up again (like a wire story)
                a, p = self.origins[int(rng.integers(0, len(self.origins)))]
                if w.rank[a] < w.rank[copy] and (a, p, copy) not in self.used:
                    return a, p
        for attempt in range(60):
            a = int(w.order[int(rng.integers(0, w.rank[copy]))])
            if same_topic and attempt < 40 and w.topic[a] != w.topic[copy]:
                continue
            same_outlet = w.outlet[a] == w.outlet[copy]
            if not same_topic and attempt < 10 and same_outlet and rng.random() < 0.6:
                continue
            counts = w.sentence_counts(a)
            options = [p for p in range(len(counts)) if self._fits(kind, counts, p)
                       and (a, p, copy) not in self.used]
            if options:
                return a, options[int(rng.integers(0, len(options)))]
        return None

    def _second(self, kind: str, a: int, p: int) -> int:
        """The other origin paragraph of merged / merged-sentences (-1: none)."""
        if kind == "merged":
            return p + 1
        if kind != "merged-sentences":
            return -1
        counts = self.world.sentence_counts(a)
        if counts[p] >= 3 and self.rng.random() < 0.5:
            return -1  # two sentences of the same paragraph
        return int((p + 1 + self.rng.integers(0, len(counts) - 1)) % len(counts))

    def add(self, kind: str, copy: int, via: int = -1) -> bool:
        """Plan one event whose planted paragraph(s) go into ``copy`` (and ``via`` if chained)."""
        got = self.pick_origin(via if via >= 0 else copy, kind, same_topic=kind == "rewritten")
        if got is None:
            return False
        a, p = got
        plan, para2 = self.plan, self._second(kind, a, p)
        paras = (p, para2) if para2 >= 0 else (p,)
        plan.marked.setdefault(a, set()).update(paras)
        if kind == "merged":
            plan.locked.setdefault(a, set()).add(p)
        sentence = -1
        if kind == "trimmed-quote":
            sentence = int(self.rng.integers(0, self.world.sentence_counts(a)[p]))
            plan.decorate(a, p, ("quote", sentence))
        self.used.update((a, q, x) for q in paras for x in (copy, via) if x >= 0)
        self.origin_paras.update((a, q) for q in paras)
        self.origins.append((a, p))
        unit = plan.new_unit(copy, 2 if kind in ("split", "spread") else 1)
        via_unit = plan.new_unit(via, 1) if via >= 0 else -1
        plan.events.append(Event(kind, a, p, copy, unit, via, via_unit, para2, sentence))
        self._relate(*([a, copy, via] if via >= 0 else [a, copy]))
        return True

    def reuse_events(self, spec: Any) -> None:
        """Copy articles (share ``reuse_rate``) each get >= 1 event; kinds are balanced."""
        w, rng = self.world, self.rng
        kinds = tuple(spec.kinds)
        m = len(w.order)
        n_copy = min(m - 1, round(spec.reuse_rate * m)) if m >= 3 else 0
        if n_copy <= 0 or not kinds:
            return
        copies = w.order[1 + rng.choice(m - 1, n_copy, replace=False)]
        n_events = max(len(kinds) * max(1, spec.min_events_per_kind),
                       round(n_copy * spec.reuses_per_copy))
        extra = rng.choice(copies, max(0, n_events - n_copy)).tolist()
        hosts = (copies.tolist() + extra)[:n_events]
        planned = [kinds[k % len(kinds)] for k in rng.permutation(n_events).tolist()]
        by_rank = np.sort(w.rank[copies])
        for kind, host in zip(planned, hosts):
            if kind != "chained":
                self.add(kind, host)
                continue
            for _ in range(20):  # C needs an earlier copy article B (which needs an earlier A)
                below = int(np.searchsorted(by_rank, w.rank[host]))
                if below > 0:
                    self.add(kind, host, via=int(w.order[by_rank[int(rng.integers(0, below))]]))
                    break
                host = int(copies[int(rng.integers(0, n_copy))])

    def negatives(self, spec: Any) -> None:
        """Rewritten paraphrases (same topic) and same-topic pairs sharing only a name phrase."""
        w, rng = self.world, self.rng
        m = len(w.order)
        n_neg = round(spec.negative_rate * m) if m >= 3 else 0
        for _ in range(n_neg - n_neg // 2):
            self.add("rewritten", int(w.order[int(rng.integers(1, m))]))
        made = 0
        for _ in range(20 * n_neg):
            if made >= n_neg // 2:
                break
            made += self._common_phrase()

    def _common_phrase(self) -> bool:
        """Same-topic, unrelated pair; one paragraph each gets the same topic name phrase."""
        w, rng, plan = self.world, self.rng, self.plan
        b = int(w.order[int(rng.integers(1, len(w.order)))])
        a = int(w.order[int(rng.integers(0, w.rank[b]))])
        if w.topic[a] != w.topic[b] or a in self.related.get(b, ()):
            return False
        pa, pb = (int(rng.integers(0, len(w.sentence_counts(x)))) for x in (a, b))
        if self.busy(a, pa) or self.busy(b, pb):
            return False
        name = int(rng.integers(0, 5))
        for art, p in ((a, pa), (b, pb)):
            plan.decorate(art, p, ("name", name))
        spans = [Span(x, ("f", p), 0, w.sentence_counts(x)[p]) for x, p in ((a, pa), (b, pb))]
        plan.negatives.append(Truth("common-phrase", spans[0], spans[1], -1.0))
        self._relate(a, b)
        return True

    def hard_negatives(self, spec: Any) -> None:
        """Same-story articles, stock phrases and shared boilerplate (``corpus_negatives``)."""
        w, plan, rng, model = self.world, self.plan, self.rng, self.model
        m = len(w.order)
        if m < 3:
            return
        for members in corpus_negatives.plan_stories(plan, w, model, rng,
                                                     round(spec.story_rate * m),
                                                     self.related, self.busy):
            self._relate(*members)
        per = max(2, round(spec.stock_share * m))
        corpus_negatives.plan_stock_phrases(plan, w, model, rng, per, self.busy)
        corpus_negatives.plan_shared_boilerplate(plan, w, model, rng, per, self.busy)

    def drops(self) -> None:
        """Drop unmarked fresh paragraphs of copying articles to keep their length typical."""
        plan = self.plan
        for art, units in plan.units_of.items():
            extra = sum(len(plan.units[u]) for u in units)
            n_fresh = len(self.world.sentence_counts(art))
            free = [p for p in range(n_fresh) if p not in plan.marked.get(art, ())]
            k = min(extra, len(free), n_fresh - 3)
            if k > 0:
                plan.dropped[art] = set(self.rng.choice(free, k, replace=False).tolist())

    def date_only(self, spec: Any) -> None:
        """A few date-only stamps: at most one per day, never on a related article's day."""
        w = self.world
        target, days = round(spec.date_only_share * len(w.order)), set[int]()
        for i in self.rng.permutation(w.order).tolist():
            if len(days) >= target:
                break
            day = int(w.ts[i]) // DAY
            if day in days or any(int(w.ts[j]) // DAY == day for j in self.related.get(i, ())):
                continue
            w.date_only[i] = True
            days.add(day)


def make_plan(spec: Any, world: World, model: TextModel) -> Plan:
    """All planted reuse, negatives, paragraph drops and date-only stamps for a corpus."""
    planner = _Planner(world, model, np.random.default_rng([spec.seed, 3]))
    planner.reuse_events(spec)
    planner.negatives(spec)
    planner.hard_negatives(spec)
    planner.drops()
    planner.date_only(spec)
    return planner.plan
