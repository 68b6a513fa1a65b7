"""The classic planted kinds, copied in whole sentences: verbatim, edited, embedded, split,
merged and whole-paragraph chains; and the rewritten (paraphrase) negative.

Each realiser fills the planted unit(s) of one event from its origin paragraph and records
the truth with sentence-exact spans.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.corpus_text import jaccard
from benchmarks.corpus_truth import Context, Event, Plan, Span, Truth

Realiser = Callable[[Plan, Context, Event], None]


def band(value: float, lo: float, hi: float) -> int:
    """+1 when too similar (edit more), -1 when too different, 0 when inside [lo, hi]."""
    return 1 if value > hi else -1 if value < lo else 0


def _origin(ctx: Context, ev: Event) -> tuple[list[str], Span]:
    src = ctx.origins[(ev.origin, ev.para)]
    return src, Span(ev.origin, ("f", ev.para), 0, len(src))


def _copy(ev: Event, sents: list[str], part: int = 0) -> Span:
    return Span(ev.copy, ("p", ev.unit, part), 0, len(sents))


def verbatim(plan: Plan, ctx: Context, ev: Event) -> None:
    src, o_span = _origin(ctx, ev)
    plan.units[ev.unit][0] = src
    plan.record(ev.kind, o_span, src, _copy(ev, src), src, ctx.event)


def edited(plan: Plan, ctx: Context, ev: Event) -> None:
    """Word substitutions, insertions and deletions; 3-gram Jaccard 0.5-0.9."""
    src, o_span = _origin(ctx, ev)
    text = " ".join(src)
    accept = lambda c: band(jaccard(text, " ".join(c)), 0.5, 0.9)
    new = ctx.model.edit_until(ctx.rng, src, ctx.rng.uniform(0.02, 0.1), accept, 0.5)
    plan.units[ev.unit][0] = new
    plan.record(ev.kind, o_span, src, _copy(ev, new), new, ctx.event)


def rewritten(plan: Plan, ctx: Context, ev: Event) -> None:
    """Negative: same topic words, 3-gram Jaccard < 0.2."""
    src, o_span = _origin(ctx, ev)
    topic = int(ctx.world.topic[ev.copy])
    new = ctx.model.rewrite(ctx.rng, topic, src)
    while jaccard(" ".join(src), " ".join(new)) >= 0.2:
        new = ctx.model.rewrite(ctx.rng, topic, src)
    plan.units[ev.unit][0] = new
    value = jaccard(" ".join(src), " ".join(new))
    plan.negatives.append(Truth(ev.kind, o_span, _copy(ev, new), value, event=ctx.event))


def embedded(plan: Plan, ctx: Context, ev: Event) -> None:
    """1-2 origin sentences (maybe lightly edited) inside a new paragraph."""
    src, o_span = _origin(ctx, ev)
    rng, model = ctx.rng, ctx.model
    w = 2 if len(src) > 1 and rng.random() < 0.5 else 1
    j = int(rng.integers(0, len(src) - w + 1))
    orig = src[j:j + w]
    emb = orig
    if rng.random() < 0.5:
        accept = lambda c: band(jaccard(" ".join(orig), " ".join(c)), 0.6, 0.99)
        emb = model.edit_until(rng, orig, 0.02, accept)
    before, after = (int(x) for x in rng.integers(1, 3, 2))
    new = model.sentences(rng, int(ctx.world.topic[ev.copy]), before + after)
    para = new[:before] + emb + new[before:]
    plan.units[ev.unit][0] = para
    copy = Span(ev.copy, ("p", ev.unit, 0), before, before + w)
    plan.record(ev.kind, Span(ev.origin, o_span.block, j, j + w), src, copy, para, ctx.event)


def split(plan: Plan, ctx: Context, ev: Event) -> None:
    """One origin paragraph as two consecutive copy paragraphs."""
    src, o_span = _origin(ctx, ev)
    k = int(ctx.rng.integers(2, len(src) - 1))
    plan.units[ev.unit][:] = [src[:k], src[k:]]
    plan.record(ev.kind, Span(ev.origin, o_span.block, 0, k), src, _copy(ev, src[:k]), src[:k],
                ctx.event)
    plan.record(ev.kind, Span(ev.origin, o_span.block, k, len(src)), src,
                _copy(ev, src[k:], 1), src[k:], ctx.event)


def merged(plan: Plan, ctx: Context, ev: Event) -> None:
    """Two consecutive origin paragraphs as one copy paragraph."""
    src, o_span = _origin(ctx, ev)
    second = ctx.origins[(ev.origin, ev.para2)]
    both = src + second
    plan.units[ev.unit][0] = both
    key = ("p", ev.unit, 0)
    plan.record(ev.kind, o_span, src, Span(ev.copy, key, 0, len(src)), both, ctx.event)
    plan.record(ev.kind, Span(ev.origin, ("f", ev.para2), 0, len(second)), second,
                Span(ev.copy, key, len(src), len(both)), both, ctx.event)


def chained_whole(plan: Plan, ctx: Context, ev: Event) -> None:
    """A -> B (verbatim or edited) -> C (light edits of B); both truths point at A."""
    src, o_span = _origin(ctx, ev)
    rng, model = ctx.rng, ctx.model
    a_text = " ".join(src)
    mid = src
    if rng.random() < 0.5:
        accept_b = lambda c: band(jaccard(a_text, " ".join(c)), 0.6, 0.9)
        mid = model.edit_until(rng, src, rng.uniform(0.02, 0.06), accept_b, 0.3)
    b_text = " ".join(mid)

    def accept_c(cand: list[str]) -> int:
        c_text = " ".join(cand)
        to_b, to_a = jaccard(b_text, c_text), jaccard(a_text, c_text)
        return 1 if to_b >= 1.0 else -1 if to_b < 0.6 or to_a < 0.5 else 0

    last = model.edit_until(rng, mid, 0.02, accept_c)
    plan.units[ev.via_unit][0], plan.units[ev.unit][0] = mid, last
    b_span = Span(ev.via, ("p", ev.via_unit, 0), 0, len(mid))
    plan.record(ev.kind, o_span, src, b_span, mid, ctx.event)
    plan.record(ev.kind, o_span, src, _copy(ev, last), last, ctx.event, b_span)


REALISERS: dict[str, Realiser] = {
    "verbatim": verbatim, "edited": edited, "rewritten": rewritten, "embedded": embedded,
    "split": split, "merged": merged,
}
