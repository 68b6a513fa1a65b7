"""Who copies what from whom: planted reuse, negatives and page layout.

Planning only needs article structure (outlet, topic, time, sentences per paragraph), so it
is cheap at 100k articles; texts are derived later (``Plan.realise``) from the origin
paragraphs. Spans are symbolic (article, block, sentence range) until the files are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks.corpus_text import TextModel, jaccard
from benchmarks.corpus_world import DAY, Outlet, World

KINDS = ("verbatim", "edited", "embedded", "split", "merged", "chained")
# ("f", paragraph) fresh | ("p", unit, part) planted | ("b", line) boilerplate
Block = tuple[Any, ...]
@dataclass(frozen=True, slots=True)
class Span:
    """Sentences [lo, hi) of one block of one article."""

    article: int
    block: Block
    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class Truth:
    """One planted reuse (or negative pair); ``via`` is B's span for the A -> C link of a chain."""

    kind: str
    origin: Span
    copy: Span
    jaccard: float
    via: Span | None = None


@dataclass(slots=True)
class _Event:
    kind: str
    origin: int
    para: int
    copy: int
    unit: int
    via: int = -1  # chained: the middle article B
    via_unit: int = -1


def _band(value: float, lo: float, hi: float) -> int:
    """+1 when too similar (edit more), -1 when too different, 0 when inside [lo, hi]."""
    return 1 if value > hi else -1 if value < lo else 0


@dataclass(slots=True)
class Plan:
    """Planned events and per-article bookkeeping; ``realise`` turns events into text + truth."""

    marked: dict[int, set[int]] = field(default_factory=dict)  # fresh paragraphs never dropped
    locked: dict[int, set[int]] = field(default_factory=dict)  # gap p..p+1 kept adjacent
    dropped: dict[int, set[int]] = field(default_factory=dict)
    forced: dict[int, dict[int, int]] = field(default_factory=dict)  # paragraph -> topic name
    units_of: dict[int, list[int]] = field(default_factory=dict)
    units: list[list[list[str]]] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    truth: list[Truth] = field(default_factory=list)
    negatives: list[Truth] = field(default_factory=list)

    def new_unit(self, article: int, parts: int) -> int:
        self.units.append([[] for _ in range(parts)])
        self.units_of.setdefault(article, []).append(len(self.units) - 1)
        return len(self.units) - 1

    def needed_origins(self) -> list[tuple[int, int]]:
        need = [(e.origin, e.para) for e in self.events]
        return need + [(e.origin, e.para + 1) for e in self.events if e.kind == "merged"]

    def cited_blocks(self) -> set[tuple[int, Block]]:
        spans = [s for t in self.truth + self.negatives for s in (t.origin, t.copy, t.via) if s]
        return {(s.article, s.block) for s in spans}

    def layout(self, rng: np.random.Generator, world: World, i: int) -> list[Block]:
        """Kept fresh paragraphs in order; planted units and boilerplate at random gaps."""
        dropped, locked = self.dropped.get(i, set()), self.locked.get(i, set())
        groups: list[list[Block]] = []
        for p in range(len(world.sentence_counts(i))):
            if p in dropped:
                continue
            if groups and p - 1 in locked and groups[-1][-1] == ("f", p - 1):
                groups[-1].append(("f", p))
            else:
                groups.append([("f", p)])
        items: list[list[Block]] = [[("p", u, k) for k in range(len(self.units[u]))]
                                    for u in self.units_of.get(i, [])]
        info = world.outlets[int(world.outlet[i])]
        tail: list[list[Block]] = []
        for j in range(len(info.boilerplate)):
            if world.boiler[i, j]:
                last = info.copyright_last and j == len(info.boilerplate) - 1
                (tail if last else items).append([("b", j)])
        for item in items:
            groups.insert(int(rng.integers(0, len(groups) + 1)), item)
        return [key for group in groups + tail for key in group]

    def block_sentences(self, key: Block, paras: list[list[str]], info: Outlet) -> list[str]:
        if key[0] == "f":
            return paras[key[1]]
        return self.units[key[1]][key[2]] if key[0] == "p" else [info.boilerplate[key[1]]]

    def _record(self, kind: str, origin: Span, o_sents: list[str], copy: Span,
                c_sents: list[str], via: Span | None = None) -> None:
        value = jaccard(" ".join(o_sents[origin.lo:origin.hi]), " ".join(c_sents[copy.lo:copy.hi]))
        target = self.negatives if kind == "rewritten" else self.truth
        target.append(Truth(kind, origin, copy, value, via))

    def realise(self, model: TextModel, world: World,
                origins: dict[tuple[int, int], list[str]]) -> None:
        """Create every planted paragraph from its origin text and record measured truth."""
        for n, ev in enumerate(self.events):
            rng = np.random.default_rng([world.seed, 1, n])
            src = origins[(ev.origin, ev.para)]
            handler = getattr(self, "_realise_" + ev.kind)
            o_span = Span(ev.origin, ("f", ev.para), 0, len(src))
            handler(model, world, rng, ev, src, o_span, origins)

    def _realise_verbatim(self, model: TextModel, world: World, rng: np.random.Generator,
                          ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        self.units[ev.unit][0] = src
        self._record(ev.kind, o_span, src, Span(ev.copy, ("p", ev.unit, 0), 0, len(src)), src)

    def _realise_edited(self, model: TextModel, world: World, rng: np.random.Generator,
                        ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        text = " ".join(src)
        accept = lambda c: _band(jaccard(text, " ".join(c)), 0.5, 0.9)
        new = model.edit_until(rng, src, rng.uniform(0.02, 0.1), accept, 0.5)
        self.units[ev.unit][0] = new
        self._record(ev.kind, o_span, src, Span(ev.copy, ("p", ev.unit, 0), 0, len(new)), new)

    def _realise_rewritten(self, model: TextModel, world: World, rng: np.random.Generator,
                           ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        """Negative: same topic words, 3-gram Jaccard < 0.2."""
        new = model.rewrite(rng, int(world.topic[ev.copy]), src)
        while jaccard(" ".join(src), " ".join(new)) >= 0.2:
            new = model.rewrite(rng, int(world.topic[ev.copy]), src)
        self.units[ev.unit][0] = new
        self._record(ev.kind, o_span, src, Span(ev.copy, ("p", ev.unit, 0), 0, len(new)), new)

    def _realise_embedded(self, model: TextModel, world: World, rng: np.random.Generator,
                          ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        """1-2 origin sentences (maybe lightly edited) inside a new paragraph."""
        w = 2 if len(src) > 1 and rng.random() < 0.5 else 1
        j = int(rng.integers(0, len(src) - w + 1))
        orig = src[j:j + w]
        emb = orig
        if rng.random() < 0.5:
            accept = lambda c: _band(jaccard(" ".join(orig), " ".join(c)), 0.6, 0.99)
            emb = model.edit_until(rng, orig, 0.02, accept)
        before, after = (int(x) for x in rng.integers(1, 3, 2))
        new = model.sentences(rng, int(world.topic[ev.copy]), before + after)
        para = new[:before] + emb + new[before:]
        self.units[ev.unit][0] = para
        copy = Span(ev.copy, ("p", ev.unit, 0), before, before + w)
        self._record("embedded", Span(ev.origin, o_span.block, j, j + w), src, copy, para)

    def _realise_split(self, model: TextModel, world: World, rng: np.random.Generator,
                       ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        k = int(rng.integers(2, len(src) - 1))
        self.units[ev.unit][:] = [src[:k], src[k:]]
        self._record("split", Span(ev.origin, o_span.block, 0, k), src,
                     Span(ev.copy, ("p", ev.unit, 0), 0, k), src[:k])
        self._record("split", Span(ev.origin, o_span.block, k, len(src)), src,
                     Span(ev.copy, ("p", ev.unit, 1), 0, len(src) - k), src[k:])

    def _realise_merged(self, model: TextModel, world: World, rng: np.random.Generator,
                        ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        second = origins[(ev.origin, ev.para + 1)]
        merged = src + second
        self.units[ev.unit][0] = merged
        key = ("p", ev.unit, 0)
        self._record("merged", o_span, src, Span(ev.copy, key, 0, len(src)), merged)
        self._record("merged", Span(ev.origin, ("f", ev.para + 1), 0, len(second)), second,
                     Span(ev.copy, key, len(src), len(merged)), merged)

    def _realise_chained(self, model: TextModel, world: World, rng: np.random.Generator,
                         ev: _Event, src: list[str], o_span: Span, origins: dict) -> None:
        """A -> B (verbatim or edited) -> C (light edits of B); both truths point at A."""
        a_text = " ".join(src)
        mid = src
        if rng.random() < 0.5:
            accept_b = lambda c: _band(jaccard(a_text, " ".join(c)), 0.6, 0.9)
            mid = model.edit_until(rng, src, rng.uniform(0.02, 0.06), accept_b, 0.3)
        b_text = " ".join(mid)

        def accept_c(cand: list[str]) -> int:
            c_text = " ".join(cand)
            to_b, to_a = jaccard(b_text, c_text), jaccard(a_text, c_text)
            return 1 if to_b >= 1.0 else -1 if to_b < 0.6 or to_a < 0.5 else 0

        last = model.edit_until(rng, mid, 0.02, accept_c)
        self.units[ev.via_unit][0], self.units[ev.unit][0] = mid, last
        b_span = Span(ev.via, ("p", ev.via_unit, 0), 0, len(mid))
        self._record("chained", o_span, src, b_span, mid)
        c_span = Span(ev.copy, ("p", ev.unit, 0), 0, len(last))
        self._record("chained", o_span, src, c_span, last, b_span)


class _Planner:
    """Draws the events of a corpus with one seeded generator, in a fixed order."""

    def __init__(self, world: World, rng: np.random.Generator) -> None:
        self.world, self.rng, self.plan = world, rng, Plan()
        self.used: set[tuple[int, int, int]] = set()
        self.related: dict[int, set[int]] = {}
        self.origins: list[tuple[int, int]] = []  # (article, paragraph) already copied once

    def _relate(self, *articles: int) -> None:
        for a in articles:
            self.related.setdefault(a, set()).update(b for b in articles if b != a)

    def pick_origin(self, copy: int, kind: str, same_topic: bool = False) -> tuple[int, int] | None:
        """An earlier dated article and a fresh paragraph fit for ``kind``; mostly other outlets."""
        w, rng = self.world, self.rng
        if kind in ("verbatim", "edited", "embedded") and self.origins and rng.random() < 0.15:
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
            if kind == "split":
                options = [p for p, c in enumerate(counts) if c >= 4]
            else:
                options = list(range(len(counts) - (kind == "merged")))
            options = [p for p in options if (a, p, copy) not in self.used]
            if options:
                return a, options[int(rng.integers(0, len(options)))]
        return None

    def add(self, kind: str, copy: int, via: int = -1) -> bool:
        """Plan one event whose planted paragraph(s) go into ``copy`` (and ``via`` if chained)."""
        got = self.pick_origin(via if via >= 0 else copy, kind, same_topic=kind == "rewritten")
        if got is None:
            return False
        a, p = got
        plan = self.plan
        plan.marked.setdefault(a, set()).update([p, p + 1] if kind == "merged" else [p])
        if kind == "merged":
            plan.locked.setdefault(a, set()).add(p)
        paras = (p, p + 1) if kind == "merged" else (p,)
        self.used.update((a, q, x) for q in paras for x in (copy, via) if x >= 0)
        self.origins.append((a, p))
        unit = plan.new_unit(copy, 2 if kind == "split" else 1)
        via_unit = plan.new_unit(via, 1) if via >= 0 else -1
        plan.events.append(_Event(kind, a, p, copy, unit, via, via_unit))
        self._relate(*([a, copy, via] if via >= 0 else [a, copy]))
        return True

    def reuse_events(self, spec: Any) -> None:
        """Copy articles (share ``reuse_rate``) each get >= 1 event; kinds are balanced."""
        w, rng = self.world, self.rng
        m = len(w.order)
        n_copy = min(m - 1, round(spec.reuse_rate * m)) if m >= 3 else 0
        if n_copy <= 0:
            return
        copies = w.order[1 + rng.choice(m - 1, n_copy, replace=False)]
        n_events = max(len(KINDS), round(n_copy * spec.reuses_per_copy))
        extra = rng.choice(copies, max(0, n_events - n_copy)).tolist()
        hosts = (copies.tolist() + extra)[:n_events]
        kinds = [KINDS[k % len(KINDS)] for k in rng.permutation(n_events).tolist()]
        by_rank = np.sort(w.rank[copies])
        for kind, host in zip(kinds, hosts):
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
        if pa in plan.forced.get(a, {}) or pb in plan.forced.get(b, {}):
            return False
        name = int(rng.integers(0, 5))
        for art, p in ((a, pa), (b, pb)):
            plan.forced.setdefault(art, {})[p] = name
            plan.marked.setdefault(art, set()).add(p)
        spans = [Span(x, ("f", p), 0, w.sentence_counts(x)[p]) for x, p in ((a, pa), (b, pb))]
        plan.negatives.append(Truth("common-phrase", spans[0], spans[1], -1.0))
        self._relate(a, b)
        return True

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


def make_plan(spec: Any, world: World) -> Plan:
    """All planted reuse, negatives, paragraph drops and date-only stamps for a corpus."""
    planner = _Planner(world, np.random.default_rng([spec.seed, 3]))
    planner.reuse_events(spec)
    planner.negatives(spec)
    planner.drops()
    planner.date_only(spec)
    return planner.plan
