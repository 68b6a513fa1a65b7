"""Spans, truth records and the plan they are collected in (bookkeeping and page layout).

Spans are symbolic (article, block, sentence range, character trims) until the files are
written, because fresh paragraphs are only generated then. A block is one paragraph of the
written article: ``("f", p)`` fresh paragraph p, ``("p", unit, part)`` a planted paragraph,
``("b", line)`` an outlet boilerplate line, ``("s", k)`` the article's k-th shared
(cross-outlet) boilerplate paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks.corpus_text import TextModel, containment, jaccard
from benchmarks.corpus_world import Outlet, World

Block = tuple[Any, ...]
Decoration = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """Sentences [lo, hi) of one block, less ``skip`` characters at the start of sentence lo
    and ``cut`` characters at the end of sentence hi - 1 (token-exact spans)."""

    article: int
    block: Block
    lo: int
    hi: int
    skip: int = 0
    cut: int = 0

    def text(self, sents: Sequence[str]) -> str:
        joined = " ".join(sents[self.lo:self.hi])
        return joined[self.skip:len(joined) - self.cut]


@dataclass(frozen=True, slots=True)
class Truth:
    """One planted reuse or negative pair; ``via`` is B's span for the A -> C link of a chain;
    ``event`` groups the truths of one planted event, ``group`` the members of one negative."""

    kind: str
    origin: Span
    copy: Span
    jaccard: float
    via: Span | None = None
    event: int = -1
    containment: float = -1.0
    group: str | None = None


@dataclass(slots=True)
class Event:
    """One planned reuse: origin paragraph(s) of article ``origin`` copied into ``copy``."""

    kind: str
    origin: int
    para: int
    copy: int
    unit: int
    via: int = -1  # chained: the middle article B
    via_unit: int = -1
    para2: int = -1  # merged (next paragraph) and merged-sentences (any other paragraph)
    sentence: int = -1  # trimmed-quote: the origin sentence made a quotation


@dataclass(slots=True)
class Context:
    """What a realiser needs besides the plan: models, its own generator, origin texts."""

    model: TextModel
    world: World
    rng: np.random.Generator
    origins: dict[tuple[int, int], list[str]]
    event: int


@dataclass(slots=True)
class Plan:
    """Planned events and per-article bookkeeping; realisers turn events into text + truth."""

    marked: dict[int, set[int]] = field(default_factory=dict)  # fresh paragraphs never dropped
    locked: dict[int, set[int]] = field(default_factory=dict)  # gap p..p+1 kept adjacent
    dropped: dict[int, set[int]] = field(default_factory=dict)
    decor: dict[int, dict[int, list[Decoration]]] = field(default_factory=dict)
    shared: dict[int, list[str]] = field(default_factory=dict)  # article -> shared boilerplate
    units_of: dict[int, list[int]] = field(default_factory=dict)
    units: list[list[list[str]]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    truth: list[Truth] = field(default_factory=list)
    negatives: list[Truth] = field(default_factory=list)

    def new_unit(self, article: int, parts: int) -> int:
        self.units.append([[] for _ in range(parts)])
        self.units_of.setdefault(article, []).append(len(self.units) - 1)
        return len(self.units) - 1

    def decorate(self, article: int, para: int, decoration: Decoration) -> None:
        """Change fresh paragraph ``para`` when it is generated (see corpus_negatives)."""
        self.decor.setdefault(article, {}).setdefault(para, []).append(decoration)
        self.marked.setdefault(article, set()).add(para)

    def needed_origins(self) -> list[tuple[int, int]]:
        need = [(e.origin, e.para) for e in self.events]
        return need + [(e.origin, e.para2) for e in self.events if e.para2 >= 0]

    def cited_blocks(self) -> set[tuple[int, Block]]:
        spans = [s for t in self.truth + self.negatives for s in (t.origin, t.copy, t.via) if s]
        return {(s.article, s.block) for s in spans}

    def layout(self, rng: np.random.Generator, world: World, i: int) -> list[Block]:
        """Kept fresh paragraphs in order; planted units and boilerplate at random gaps;
        shared boilerplate after the body, the outlet's copyright line last."""
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
        tail: list[list[Block]] = [[("s", k)] for k in range(len(self.shared.get(i, ())))]
        for j in range(len(info.boilerplate)):
            if world.boiler[i, j]:
                last = info.copyright_last and j == len(info.boilerplate) - 1
                (tail if last else items).append([("b", j)])
        for item in items:
            groups.insert(int(rng.integers(0, len(groups) + 1)), item)
        return [key for group in groups + tail for key in group]

    def block_sentences(self, article: int, key: Block, paras: list[list[str]], info: Outlet
                        ) -> list[str]:
        if key[0] == "f":
            return paras[key[1]]
        if key[0] == "s":
            return [self.shared[article][key[1]]]
        return self.units[key[1]][key[2]] if key[0] == "p" else [info.boilerplate[key[1]]]

    def record(self, kind: str, origin: Span, o_sents: Sequence[str], copy: Span,
               c_sents: Sequence[str], event: int, via: Span | None = None) -> None:
        """A planted reuse, with the Jaccard and containment of its two texts."""
        o_text, c_text = origin.text(o_sents), copy.text(c_sents)
        self.truth.append(Truth(kind, origin, copy, jaccard(o_text, c_text), via, event,
                                containment(c_text, o_text)))
