"""Article structure of a synthetic corpus: outlets, topics, timestamps, paragraph shapes.

Everything here is cheap numpy arrays, so planning 100k articles costs seconds; the text
itself is generated later, one seeded generator per article.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from benchmarks.corpus_text import TextModel

_SUFFIXES = ("Times", "Post", "Herald", "Gazette", "Tribune", "Chronicle", "Ledger", "Observer",
             "Courier", "Dispatch", "Journal", "Sentinel")
_BOILER = (
    "Sign up for the {name} Morning newsletter to get the news in your inbox.",
    "WATCH: {watch} Replay More Videos",
    "Follow The {name} on social media for the latest updates and breaking news.",
    "This story was produced by the {name} newsroom. Subscribe for full access.",
    "Copyright {year} The {name}. All rights reserved.",  # always placed last in the article
)
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publisher: folder slug, host, staff and its boilerplate lines (copyright last)."""

    slug: str
    host: str
    staff: tuple[str, ...]
    boilerplate: tuple[str, ...]
    copyright_last: bool


@dataclass(frozen=True, slots=True)
class World:
    """Per-article structure as numpy arrays; ``ts`` is seconds after ``start`` or -1 (undated)."""

    seed: int
    n: int
    start: datetime
    outlets: tuple[Outlet, ...]
    outlet: np.ndarray
    topic: np.ndarray
    ts: np.ndarray
    date_only: np.ndarray
    para_start: np.ndarray
    sent_counts: np.ndarray
    boiler: np.ndarray  # (n, 3) bool: which outlet lines appear
    order: np.ndarray  # dated article ids by time
    rank: np.ndarray  # position in ``order``, -1 if undated

    def sentence_counts(self, i: int) -> list[int]:
        return self.sent_counts[self.para_start[i]:self.para_start[i + 1]].tolist()

    def path(self, i: int) -> str:
        return f"{self.outlets[int(self.outlet[i])].slug}/{i:06d}.txt"

    def stamp(self, i: int) -> str:
        when = self.start + timedelta(seconds=int(self.ts[i]))
        return when.strftime("%Y-%m-%d 00:00:00" if self.date_only[i] else "%Y-%m-%d %H:%M:%S")

    def iso(self, i: int) -> str | None:
        return None if self.ts[i] < 0 else self.stamp(i).replace(" ", "T") + "Z"


def _outlets(rng: np.random.Generator, model: TextModel, count: int, year: int
             ) -> tuple[Outlet, ...]:
    """Distinct outlets, each with 2-3 boilerplate lines (one WATCH title per outlet)."""
    out: list[Outlet] = []
    while len(out) < count:
        sur = model.surnames[int(rng.integers(0, len(model.surnames)))]
        suffix = _SUFFIXES[int(rng.integers(0, len(_SUFFIXES)))]
        slug = f"{sur}-{suffix}".lower()
        if any(o.slug == slug for o in out):
            continue
        name = f"{sur} {suffix}"
        watch = model.title(rng, int(rng.integers(0, len(model.topic_names))))
        picks = sorted(rng.choice(len(_BOILER), int(rng.integers(2, 4)), replace=False).tolist())
        lines = tuple(_BOILER[j].format(name=name, watch=watch, year=year) for j in picks)
        out.append(Outlet(slug, f"www.{sur}{suffix}.com".lower(),
                          tuple(model.person(rng) for _ in range(6)), lines,
                          picks[-1] == len(_BOILER) - 1))
    return tuple(out)


def make_world(spec: Any, model: TextModel) -> World:
    """Outlets, topics, distinct timestamps (never at 00:00:00) and paragraph structure."""
    rng = np.random.default_rng([spec.seed, 2])
    n, start = spec.num_articles, datetime.fromisoformat(spec.start_date).replace(tzinfo=UTC)
    outlets = _outlets(rng, model, spec.num_outlets, start.year)
    outlet = rng.integers(0, len(outlets), n)
    topic = rng.integers(0, spec.num_topics, n)
    dated = rng.random(n) >= spec.undated_share
    draws = rng.choice(spec.days * (DAY - 1), int(dated.sum()), replace=False)
    ts = np.full(n, -1, np.int64)
    ts[dated] = draws // (DAY - 1) * DAY + 1 + draws % (DAY - 1)
    n_paras = rng.integers(7, 13, n)
    para_start = np.concatenate([[0], np.cumsum(n_paras)])
    boiler = np.zeros((n, 3), bool)
    for o, info in enumerate(outlets):
        members = np.flatnonzero(outlet == o)
        for j in range(len(info.boilerplate)):
            share = rng.uniform(spec.boilerplate_min_share, 0.92)
            boiler[rng.choice(members, math.ceil(share * len(members)), replace=False), j] = True
    order = np.flatnonzero(dated)[np.argsort(ts[dated], kind="stable")]
    rank = np.full(n, -1, np.int64)
    rank[order] = np.arange(len(order))
    return World(spec.seed, n, start, outlets, outlet, topic, ts, np.zeros(n, bool), para_start,
                 rng.integers(2, 6, int(para_start[-1])), boiler, order, rank)
