"""The reuse sub-editors of wire copy actually do, with token-exact truth spans.

* ``abridged``: clauses and whole sentences dropped (50-85 % of the words kept).
* ``trimmed-quote``: words or a clause cut from inside a quotation or from its end.
* ``rewritten-end``: a verbatim start of >= 10 words, then the sentence ends in new words.
* ``merged-sentences``: two origin sentences (one paragraph or two) in one copy paragraph.
* ``spread``: one origin paragraph over two copy paragraphs, a sentence of the copy's own
  between them.
* ``chained``: A -> B -> C where C takes a window of B's paragraph that overlaps the part B
  took from A but has its own sentence boundaries (a third of chains are whole-paragraph
  chains, ``corpus_kinds.chained_whole``).

Every copy is built from tracked tokens (``corpus_tokens``); each truth is one *region* of
the copy (its first to last copied token) and the origin's first to last token it came
from. Several regions of one event (two merged sentences, the two halves of a spread) are
separate truths with the same ``event``.
"""

from __future__ import annotations

from benchmarks.corpus_kinds import Realiser, chained_whole
from benchmarks.corpus_tokens import (
    OWN,
    Para,
    Tok,
    abridge,
    char_span,
    droppable,
    flat,
    light_edit,
    own,
    regions,
    rewrite_end,
    texts,
    track,
    trim_quote,
)
from benchmarks.corpus_truth import Block, Context, Event, Plan, Span

Origins = dict[int, tuple[int, Block, list[str]]]  # key -> (article, block, sentences)
MIN_REGION = 12  # words of a truth region a scanner may be asked to find


def _regions(para: Para, article: int, block: Block, origins: Origins
             ) -> list[tuple[int, int, int, Span, Span]]:
    """(first, last, key, origin span, copy span) of every copied region of a block."""
    words = [[t[0] for t in s] for s in para]
    toks = flat(para)
    out = []
    for first, last in regions(toks):
        key = toks[first][1]
        idx = [t[2] for t in toks[first:last + 1] if t[1] == key]
        o_article, o_block, o_sents = origins[key]
        o_words = [s.split(" ") for s in o_sents]
        origin = Span(o_article, o_block, *char_span(o_words, min(idx), max(idx)))
        out.append((first, last, key, origin, Span(article, block, *char_span(words, first, last))))
    return out


def _place(plan: Plan, ctx: Context, ev: Event, parts: list[Para], origins: Origins) -> None:
    """Write the unit's paragraphs and record one truth per copied region."""
    plan.units[ev.unit][:] = [texts(p) for p in parts]
    for k, para in enumerate(parts):
        for _, _, key, origin, copy in _regions(para, ev.copy, ("p", ev.unit, k), origins):
            plan.record(ev.kind, origin, origins[key][2], copy, texts(para), ctx.event)


def _own(ctx: Context, ev: Event, n: int = 1) -> Para:
    return own(ctx.model.sentences(ctx.rng, int(ctx.world.topic[ev.copy]), n))


def _source(ctx: Context, ev: Event) -> tuple[list[str], Origins]:
    src = ctx.origins[(ev.origin, ev.para)]
    return src, {0: (ev.origin, ("f", ev.para), src)}


def abridged(plan: Plan, ctx: Context, ev: Event) -> None:
    """The whole paragraph abridged (60 %), or the one or two sentences richest in clauses
    cut inside (like the issue's example) as a short paragraph, maybe with an own sentence."""
    src, origins = _source(ctx, ev)
    rng, para = ctx.rng, track(src)
    if rng.random() < 0.6:
        copy = abridge(rng, para)
    else:
        clauses = [len(droppable(s)) for s in para]
        at = max(range(len(para)), key=lambda i: (clauses[i], -i))
        end = min(len(para), at + 1 + int(rng.random() < 0.4))
        while sum(len(s) for s in para[at:end]) < 2 * MIN_REGION and (at > 0 or end < len(para)):
            at, end = (at - 1, end) if end == len(para) else (at, end + 1)
        copy = abridge(rng, para[at:end], drop_sentences=False)
        if rng.random() < 0.3:
            copy += _own(ctx, ev)
    _place(plan, ctx, ev, [copy], origins)


def trimmed_quote(plan: Plan, ctx: Context, ev: Event) -> None:
    """The quotation (sentence ``ev.sentence``) trimmed, with an own sentence before it, or
    with the origin's next or previous sentence kept verbatim beside it."""
    src, origins = _source(ctx, ev)
    rng, para, q = ctx.rng, track(src), ev.sentence
    quote = trim_quote(rng, para[q])
    style = rng.random()
    if style < 0.35 or (style < 0.65 and q == len(para) - 1) or q == 0:
        copy = _own(ctx, ev) + [quote] + (_own(ctx, ev) if rng.random() < 0.5 else [])
    elif style < 0.65:
        copy = [quote] + para[q + 1:]
    else:
        copy = para[q - 1:q] + [quote]
    _place(plan, ctx, ev, [copy], origins)


def rewritten_end(plan: Plan, ctx: Context, ev: Event) -> None:
    src, origins = _source(ctx, ev)
    topic = int(ctx.world.topic[ev.copy])
    copy = rewrite_end(ctx.rng, ctx.model, topic, track(src))
    if ctx.rng.random() < 0.4:
        copy += _own(ctx, ev, int(ctx.rng.integers(1, 3)))
    _place(plan, ctx, ev, [copy], origins)


def merged_sentences(plan: Plan, ctx: Context, ev: Event) -> None:
    """Two origin sentences, each tracked under its own key so they stay two regions;
    sometimes lightly edited, joined into one sentence by "and", or led by an own sentence."""
    rng = ctx.rng
    src, origins = _source(ctx, ev)
    if ev.para2 < 0:  # one paragraph: two sentences that are not neighbours
        i = int(rng.integers(0, len(src) - 2))
        j = int(rng.integers(i + 2, len(src)))
        other, block2 = src, ("f", ev.para)
    else:
        other = ctx.origins[(ev.origin, ev.para2)]
        i, j, block2 = int(rng.integers(0, len(src))), int(rng.integers(0, len(other))), ("f", ev.para2)
    origins[1] = (ev.origin, block2, other)
    pair = [track(src)[i], track(other, 1)[j]]
    if rng.random() < 0.5:
        pair = light_edit(rng, ctx.model, pair, int(rng.integers(1, 3)))
    first, second = pair
    if rng.random() < 0.3 and first[-1][0].endswith(".") and not second[0][0].startswith('"'):
        w, key, idx = first[-1]
        w2, key2, idx2 = second[0]
        lowered = w2 if w2.lower() in ctx.model.lower_words or w2[1:2].isupper() else w2.lower()
        pair = [first[:-1] + [(w[:-1] + ",", key, idx), ("and", OWN, -1),
                              (lowered, key2, idx2)] + second[1:]]
    lead = _own(ctx, ev) if rng.random() < 0.3 else []
    _place(plan, ctx, ev, [lead + pair], origins)


def spread(plan: Plan, ctx: Context, ev: Event) -> None:
    """Sentences [0, k) and [k, n) in two copy paragraphs; an own sentence ends the first,
    starts the second, or is a paragraph of its own between them."""
    rng = ctx.rng
    src, origins = _source(ctx, ev)
    para = track(src)
    k = int(rng.integers(1, len(para)))
    head, rest = para[:k], para[k:]
    if rng.random() < 0.3:
        head, rest = (light_edit(rng, ctx.model, p, 1) for p in (head, rest))
    style = int(rng.integers(0, 3))
    between = _own(ctx, ev)
    parts = ([head + between, rest], [head, between + rest], [head, between, rest])[style]
    _place(plan, ctx, ev, parts, origins)


def chained(plan: Plan, ctx: Context, ev: Event) -> None:
    """A -> B -> C. B: A's paragraph verbatim, abridged or lightly edited, maybe with an own
    sentence before or after. C: a window of B's sentences overlapping the part from A, with
    its own boundaries, maybe edited and extended. Truths: A -> B; A -> C with ``via`` = B's
    span; B -> C for any of B's own words C took."""
    rng, model = ctx.rng, ctx.model
    if rng.random() < 1 / 3:
        chained_whole(plan, ctx, ev)
        return
    src, origins = _source(ctx, ev)
    style = rng.random()
    b_para = track(src)
    if 0.35 <= style < 0.7:
        b_para = abridge(rng, b_para, (0.6, 0.9), (0.5, 0.95))
    elif style >= 0.7:
        b_para = light_edit(rng, model, b_para, int(rng.integers(2, 5)))
    b_topic = int(ctx.world.topic[ev.via])
    extra = own(model.sentences(rng, b_topic, 1))
    while len(extra[0]) < MIN_REGION + 2:  # C may take it: long enough to be a finding
        extra = own(model.sentences(rng, b_topic, 1))
    if rng.random() < 0.5:
        b_para = extra + b_para
    elif rng.random() < 0.5:
        b_para = b_para + extra
    b_block, b_sents = ("p", ev.via_unit, 0), texts(b_para)
    plan.units[ev.via_unit][0] = b_sents
    b_regions = _regions(b_para, ev.via, b_block, origins)
    for _, _, _, origin, copy in b_regions:
        plan.record(ev.kind, origin, src, copy, b_sents, ctx.event)
    # C's tokens point at B's; B's own words inside B's region from A are edits of A.
    b_toks = flat(b_para)
    from_a = [any(f <= i <= last for f, last, *_ in b_regions) for i in range(len(b_toks))]
    sizes = [len(s) for s in b_para]
    starts = [sum(sizes[:s]) for s in range(len(sizes))]
    a_sents = [s for s in range(len(b_para)) if any(from_a[starts[s]:starts[s] + sizes[s]])]
    windows = [(lo, hi) for lo in range(len(b_para)) for hi in range(lo + 1, len(b_para) + 1)
               if sum(from_a[starts[lo]:starts[hi - 1] + sizes[hi - 1]]) >= MIN_REGION]
    windows = windows or [(0, len(b_para))]
    shifted = [w for w in windows if w != (a_sents[0], a_sents[-1] + 1)] or windows
    lo, hi = shifted[int(rng.integers(0, len(shifted)))]
    on_b = track(b_sents)[lo:hi]
    if rng.random() < 0.5:
        on_b = light_edit(rng, model, on_b, int(rng.integers(1, 3)))
    c_para = [[_compose(t, b_toks, from_a) for t in s] for s in on_b]
    if rng.random() < 0.4:
        c_para = c_para + _own(ctx, ev)
    plan.units[ev.unit][0] = c_sents = texts(c_para)
    origins[1] = (ev.via, b_block, b_sents)
    b_words = [s.split(" ") for s in b_sents]
    b_index = [t[2] for t in flat(on_b)]  # token by token, C's tokens as indices into B's
    for first, last, key, origin, copy in _regions(c_para, ev.copy, ("p", ev.unit, 0), origins):
        via = None
        if key == 0:  # the B tokens these C tokens were taken from
            idx = [b_index[i] for i in range(first, last + 1) if flat(c_para)[i][1] == 0]
            via = Span(ev.via, b_block, *char_span(b_words, min(idx), max(idx)))
        plan.record(ev.kind, origin, origins[key][2], copy, c_sents, ctx.event, via)


def _compose(tok: Tok, b_toks: list[Tok], from_a: list[bool]) -> Tok:
    """A C token (pointing at B) re-pointed: key 0 = A's token, 1 = B's own, -1 = C's own.
    B's own words inside B's region from A are edits of A, so C's copies of them are too."""
    word, key, i = tok
    if key == OWN:
        return tok
    _, b_key, b_idx = b_toks[i]
    if b_key != OWN:
        return (word, 0, b_idx)
    return (word, OWN, -1) if from_a[i] else (word, 1, i)


REALISERS: dict[str, Realiser] = {
    "abridged": abridged, "trimmed-quote": trimmed_quote, "rewritten-end": rewritten_end,
    "merged-sentences": merged_sentences, "spread": spread, "chained": chained,
}
