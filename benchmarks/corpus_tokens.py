"""Copy-editing with provenance: every copied token remembers which origin token it came from.

A paragraph is a list of sentences, a sentence a list of ``Tok`` = (text, key, index):
``key`` names an origin paragraph (or -1 for the copy's own words) and ``index`` the token's
position in that paragraph's space-separated words. Edits only drop, insert, substitute
or re-punctuate tokens, so after any sequence of them the truth is read off the tokens:
a *region* is a maximal run of tokens from one origin key (a few own words inside are
allowed: light edits), trimmed to its first and last copied token. Character offsets follow
from the tokens because a block's text is its tokens joined by single spaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from benchmarks.corpus_text import OPENERS, TextModel, containment

Tok = tuple[str, int, int]
Para = list[list[Tok]]
OWN = -1
MAX_INNER_OWN = 3  # own words tolerated inside a region (light edits), more end it

__all__ = ["OWN", "Para", "Tok", "abridge", "char_span", "cut", "droppable", "flat", "light_edit",
           "own", "regions", "rewrite_end", "texts", "track", "trim_quote"]

_OPENER_HEADS = frozenset(OPENERS) | frozenset(OPENERS.values())


def track(sents: Sequence[str], key: int = 0) -> Para:
    """Origin sentences as tokens that point at themselves under ``key``."""
    out, at = [], 0
    for s in sents:
        words = s.split(" ")
        out.append([(w, key, at + j) for j, w in enumerate(words)])
        at += len(words)
    return out


def own(sents: Sequence[str]) -> Para:
    """The copy's own sentences: tokens from no origin."""
    return [[(w, OWN, -1) for w in s.split(" ")] for s in sents]


def texts(para: Para) -> list[str]:
    return [" ".join(t[0] for t in s) for s in para]


def flat(para: Para) -> list[Tok]:
    return [t for s in para for t in s]


def char_span(sents: Sequence[Sequence[str]], first: int, last: int) -> tuple[int, int, int, int]:
    """(lo, hi, skip, cut) of flat tokens ``first..last`` (inclusive) of a block.

    ``lo``/``hi`` is the sentence range; ``skip`` the characters of sentence ``lo`` before
    the first token, ``cut`` those of sentence ``hi - 1`` after the last.
    """
    at, lo = 0, -1
    skip = cut = hi = 0
    for s, words in enumerate(sents):
        if lo < 0 and first < at + len(words):
            lo, skip = s, sum(len(w) + 1 for w in words[:first - at])
        if last < at + len(words):
            hi, cut = s + 1, sum(len(w) + 1 for w in words[last - at + 1:])
            break
        at += len(words)
    return lo, hi, skip, cut


def regions(tokens: Sequence[tuple[Any, ...]]) -> list[tuple[int, int]]:
    """Inclusive [first, last] token ranges of the copied regions (see module docstring)."""
    out: list[tuple[int, int]] = []
    first = last = -1
    key = OWN
    for i, tok in enumerate(tokens):
        k = tok[1]
        if k == OWN:
            continue
        if k != key or i - last - 1 > MAX_INNER_OWN:
            if first >= 0:
                out.append((first, last))
            first, key = i, k
        last = i
    if first >= 0:
        out.append((first, last))
    return out


# --------------------------------------------------------------------------- abridging


def droppable(sent: Sequence[Tok]) -> list[tuple[int, int, str]]:
    """Clauses a sub-editor can cut: (first, last, how) token ranges of one sentence.

    ``"aside"``: the words between two commas; ``"tail"``: everything after the last comma;
    ``"opener"``: a sentence opener such as "However,". Nothing inside quotation marks
    is offered (``trim_quote`` handles quotes), and the sentence keeps >= 6 words.
    """
    words = [t[0] for t in sent]
    if any('"' in w for w in words):
        return []
    out = []
    for n in (1, 2, 3):
        if len(words) > n + 6 and " ".join(words[:n]) in _OPENER_HEADS:
            out.append((0, n - 1, "opener"))
    commas = [i for i, w in enumerate(words[:-1]) if w.endswith(",")]
    for a, b in pairwise(commas):
        if 2 <= b - a <= 10 and len(words) - (b - a) >= 6:
            out.append((a + 1, b, "aside"))
    if commas:
        a = commas[-1]
        if 2 <= len(words) - 1 - a <= 10 and a + 1 >= 6:
            out.append((a + 1, len(words) - 1, "tail"))
    return out


def cut(sent: list[Tok], first: int, last: int, how: str) -> list[Tok]:
    """The sentence without tokens first..last, punctuation repaired around the cut."""
    out = sent[:first] + sent[last + 1:]
    if how == "opener":
        w, k, i = out[0]
        out[0] = (w[:1].upper() + w[1:], k, i)
    elif how == "aside":
        w, k, i = out[first - 1]
        out[first - 1] = (w.removesuffix(","), k, i)
    else:
        w, k, i = out[-1]
        out[-1] = (w.removesuffix(",") + ".", k, i)
    return out


def _words(para: Para) -> int:
    return sum(len(s) for s in para)


def abridge(rng: np.random.Generator, para: Para, keep: tuple[float, float] = (0.5, 0.85),
            contained: tuple[float, float] = (0.5, 0.92), drop_sentences: bool = True) -> Para:
    """Drop clauses (and whole sentences) until the copy keeps a share of the words in
    ``keep`` and its 3-gram containment in the origin lies in ``contained``.

    Each attempt draws a target share and cuts random clauses, sometimes single words
    (sub-editors trim those too) and, less often, sentences until it is reached.
    """
    total = _words(para)
    origin = " ".join(texts(para))
    for attempt in range(200):
        target = rng.uniform(*keep)
        cur = [list(s) for s in para]
        while _words(cur) > target * total:
            options: list[tuple[int, int, int, str]] = []
            for s, sent in enumerate(cur):
                options += [(s, a, b, how) for a, b, how in droppable(sent)] * 4
                if len(sent) > 8 and (attempt >= 20 or rng.random() < 0.5):
                    j = 1 + int(rng.integers(0, len(sent) - 2))
                    if sent[j][0].isalpha() and sent[j][0].islower():
                        options.append((s, j, j, "word"))
            if drop_sentences and len(cur) > 1:
                options += [(s, 0, len(sent) - 1, "sentence") for s, sent in enumerate(cur)]
            floor = max(keep[0], target - 0.08) * total  # no cut far below the target
            options = [o for o in options if _words(cur) - (o[2] - o[1] + 1) >= floor]
            if not options:
                break
            s, a, b, how = options[int(rng.integers(0, len(options)))]
            if how == "sentence":
                del cur[s]
            elif how == "word":
                cur[s] = cur[s][:a] + cur[s][b + 1:]
            else:
                cur[s] = cut(cur[s], a, b, how)
        share = _words(cur) / total
        copy = " ".join(texts(cur))
        if keep[0] <= share <= keep[1] and contained[0] <= containment(copy, origin) <= contained[1]:
            return cur
    raise RuntimeError("could not abridge the paragraph into the requested range")


# --------------------------------------------------------------------------- quotes


def trim_quote(rng: np.random.Generator, sent: list[Tok]) -> list[Tok]:
    """Cut words or a clause from inside a quotation, or its end; keeps 50-85 % of it
    (and >= 8 words).

    ``sent`` is '"w1 ... wm," Name said.'; inner cuts sometimes leave an ellipsis ("...",
    the copy's own token, which normalises to nothing).
    """
    close = next(i for i, t in enumerate(sent) if t[0].endswith(',"'))
    body, rest = sent[:close + 1], sent[close + 1:]
    m = len(body)
    commas = [i for i, t in enumerate(body[1:-1], 1) if t[0].endswith(",")]
    asides = [(a + 1, b) for a, b in pairwise(commas) if 2 <= b - a <= 8]
    for _ in range(200):
        target = rng.uniform(0.5, 0.85)
        cur = list(body)
        if asides and rng.random() < 0.4:  # drop a clause inside the quotation
            a, b = asides[int(rng.integers(0, len(asides)))]
            w, key, i = cur[a - 1]
            cur = cur[:a - 1] + [(w.rstrip(","), key, i)] + cur[b + 1:]
        if rng.random() < 0.4:  # cut the end of the quotation
            k = max(4, min(len(cur) - 1, round(target * m)))
            w, key, i = cur[k - 1]
            cur = cur[:k - 1] + [(w.rstrip(",") + ',"', key, i)]
        while len(cur) > target * m + 0.5:
            if len(cur) < 4:
                break
            run = int(rng.integers(1, min(7, len(cur) - 2) + 1))
            run = min(run, max(1, round(len(cur) - target * m)))
            a = 1 + int(rng.integers(0, len(cur) - 1 - run))
            dots = [("...", OWN, -1)] if rng.random() < 0.25 else []
            w, key, i = cur[a - 1]
            cur = cur[:a - 1] + [(w.rstrip(","), key, i)] + dots + cur[a + run:]
        kept = sum(t[1] != OWN for t in cur)
        if 0.5 <= kept / m <= 0.85 and kept >= 8:
            return cur + rest
    raise RuntimeError("could not trim the quotation")


# --------------------------------------------------------------------------- other edits


def rewrite_end(rng: np.random.Generator, model: TextModel, topic: int, para: Para,
                min_words: int = 10) -> Para:
    """A verbatim start of >= ``min_words`` words, then new words to the end of that sentence.

    The cut falls inside a sentence (>= 3 of its words kept, >= 3 replaced) that is not a
    quotation (unless the paragraph has nothing else); the first new word never equals the
    origin's next word, so the verbatim start is exactly the aligned part.
    """
    words = flat(para)
    cuts, quoted, starts, at = [], [], [], 0
    for s in para:
        starts.append(at)
        inside = [c for c in range(at + 3, at + len(s) - 2) if c >= min_words]
        (quoted if any('"' in t[0] for t in s) else cuts).extend(inside)
        at += len(s)
    # A paragraph of quotations only (rare; seen at 100k articles) is cut inside a quote.
    cuts = cuts or quoted
    if not cuts:
        raise RuntimeError(f"paragraph too short for a verbatim start of {min_words} words")
    cut = cuts[int(rng.integers(0, len(cuts)))]
    s_idx = max(k for k, lo in enumerate(starts) if lo < cut)
    following = words[cut][0].lower().strip(",.")
    while True:
        fresh = model.sentences(rng, topic, 1)[0].replace('"', "").split(" ")
        tail = fresh[-int(rng.integers(4, 13)):]
        tail[0] = tail[0].lower()
        if tail[0].strip(",.") != following:
            break
    return [list(s) for s in para[:s_idx]] + [words[starts[s_idx]:cut] + [(t, OWN, -1) for t in tail]]


def light_edit(rng: np.random.Generator, model: TextModel, para: Para, n_ops: int) -> Para:
    """Substitute, insert or delete ``n_ops`` words inside sentences (never the first or last
    word of a sentence, nothing inside quotation marks)."""
    out = [list(s) for s in para]
    for _ in range(n_ops):
        s = out[int(rng.integers(0, len(out)))]
        if len(s) < 6:
            continue
        pos = 1 + int(rng.integers(0, len(s) - 2))
        if '"' in s[pos][0] or '"' in s[pos - 1][0]:
            continue
        op = rng.random()
        if op < 0.5:
            s[pos] = (model.random_word(rng) + ("," if s[pos][0].endswith(",") else ""), OWN, -1)
        elif op < 0.8:
            s.insert(pos, (model.random_word(rng), OWN, -1))
        elif not s[pos][0].endswith(","):
            del s[pos]
    return out
