"""Hard negatives: text shared by unrelated articles that is not reuse, and the in-text
decorations (quotations, name phrases, stock phrases, story paragraphs) planning asks for.

* ``same-story``: 2-4 articles written independently about one story: the same person
  (name and age), venue, figures and a short quotation (4-7 words, each article attributing
  it differently), the same topic vocabulary; no shared run reaches 10 words.
* ``stock-phrase``: formulae of news, court and sports copy ("did not immediately respond
  to a request for comment", "was remanded in custody to appear at X Crown Court on
  Monday"), up to 12 words, each in ~2 % of articles across outlets.
* ``boilerplate``: notices shared across outlets (helpline, "Additional reporting by ..."),
  as a paragraph of their own or appended to the last paragraph.

A negative is recorded as pairs of spans (a earlier than b) with a ``group``: every pair of
members of a group is a negative, so a finding between any two of them counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from benchmarks.corpus_text import TextModel
from benchmarks.corpus_truth import Plan, Span, Truth
from benchmarks.corpus_world import World

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
STOCK_PHRASES = (
    "said in a statement on {day}",
    "did not immediately respond to a request for comment",
    "was remanded in custody to appear at {place} Crown Court on {day}",
    "pleaded not guilty and was released on bail until a hearing next month",
    "is due to be sentenced at a later date",
    "denies all the charges against him",
    "anyone with information is asked to contact police on 101",
    "scored twice in the second half as {team} came from behind",
    "the match kicks off at 3pm on {day}",
    "told the Press Association news agency",
    "in a statement released through his lawyer",
    "declined to comment when contacted by this newspaper",
)
SHARED_BOILERPLATE = (
    ("If you have been affected by any of the issues raised in this story, you can call "
     "Samaritans free on 116 123."),
    "Additional reporting by {name} and {name}.",
    "This article was amended on {day} to correct the spelling of a name.",
    "The Associated Press contributed to this report.",
    "Reporting by {name}; Editing by {name} and {name}",
    ("Readers with information about this story can contact the newsroom in confidence by "
     "email or on our secure line."),
)
_VENUES = (("Crown", "Court"), ("City", "Council"), ("General", "Hospital"), ("Magistrates'", "Court"))
_UNITS = (("per", "cent"), ("people",), ("years",), ("million",), ("homes",), ("miles",))

Busy = Callable[[int, int], bool]


@dataclass(frozen=True, slots=True)
class Story:
    """The facts independent reports of one story share."""

    topic: int
    person: tuple[str, str]
    age: str
    venue: tuple[str, ...]
    figures: tuple[tuple[str, ...], ...]
    quote: tuple[str, ...]
    words: tuple[str, ...]


def make_story(rng: np.random.Generator, model: TextModel, topic: int) -> Story:
    first, last = model.person(rng).split(" ")
    place = model.surnames[int(rng.integers(0, len(model.surnames)))]
    figures = tuple((str(int(rng.integers(2, 99))), *_UNITS[int(k)])
                    for k in rng.choice(len(_UNITS), 3, replace=False))
    plain = [w.strip('",.').lower() for w in model.sentences(rng, topic, 1)[0].split(" ")]
    k = int(rng.integers(4, 8))
    at = int(rng.integers(0, max(1, len(plain) - k)))
    return Story(topic, (first, last), str(int(rng.integers(19, 80))),
                 (place, *_VENUES[int(rng.integers(0, len(_VENUES)))]), figures,
                 tuple(plain[at:at + k]), tuple(model.content_words(rng, 12)))


def _quote_sentence(rng: np.random.Generator, model: TextModel, story: Story, form: int
                    ) -> list[str]:
    """The story's quotation attributed in one of four ways, so members differ around it."""
    q = list(story.quote)
    q[0] = q[0][:1].upper() + q[0][1:]
    last = story.person[1]
    words = [w.strip('",.').lower() for w in model.content_words(rng, 6)]
    if form == 0:
        return ['"' + q[0], *q[1:-1], q[-1] + ',"', last, "said."]
    if form == 1:
        return [words[0].capitalize(), *words[1:4], last, "said:", '"' + q[0], *q[1:-1], q[-1] + '."']
    if form == 2:
        return ['"' + q[0], *q[1:-1], q[-1] + ',"', "said", last + ",", "who", *words[:3], words[3] + "."]
    return [words[0].capitalize(), *words[1:5], last + ",", story.age + ",", "told", "reporters:",
            '"' + q[0], *q[1:-1], q[-1] + '."']


def story_paragraph(rng: np.random.Generator, model: TextModel, story: Story, member: int,
                    n: int) -> list[str]:
    """One member's own paragraph (n sentences) about the story."""
    toks = [s.split(" ") for s in model.sentences(rng, story.topic, n)]
    for t in toks:
        for i in range(1, len(t) - 1):
            if t[i].isalpha() and t[i].islower() and rng.random() < 0.35:
                t[i] = story.words[int(rng.integers(0, len(story.words)))]
    _insert(rng, toks[0], [story.person[0], story.person[1] + ",", story.age + ","])
    _insert(rng, toks[1 % n], ["at", *story.venue])
    for fig in story.figures:
        _insert(rng, toks[int(rng.integers(0, n))], list(fig))
    toks[-1] = _quote_sentence(rng, model, story, member % 4)
    return [" ".join(t) for t in toks]


def _insert(rng: np.random.Generator, toks: list[str], words: list[str], at: int = -1) -> None:
    pos = at if at >= 1 else 1 + int(rng.integers(0, max(1, len(toks) - 2)))
    toks[pos:pos] = words


def _with_stock_phrase(sentence: str, phrase: list[str], where: float) -> str:
    """The sentence's first 2-6 words, then the stock phrase as its predicate ("... did not
    immediately respond to a request for comment."), ending the sentence or followed by
    the rest of it; inside a quotation the phrase is only inserted."""
    toks = sentence.split(" ")
    if '"' in sentence:
        at = 1 + int(where * max(1, len(toks) - 2))
        return " ".join(toks[:at] + phrase + toks[at:])
    at = 2 + int(where * 10) % 5
    head = [*toks[:at - 1], toks[at - 1].rstrip(",")]
    if where < 0.5 or at + 3 > len(toks):  # the phrase ends the sentence
        return " ".join([*head, *phrase[:-1], phrase[-1] + "."])
    return " ".join([*head, *phrase, *toks[at:]])  # ... and the sentence goes on


def decorate(model: TextModel, plan: Plan, seed: int, article: int, topic: int,
             paras: list[list[str]]) -> None:
    """Apply the planned decorations of one article's fresh paragraphs, in planning order."""
    for p, items in plan.decor.get(article, {}).items():
        rng = np.random.default_rng([seed, 4, article, p])
        for item in items:
            if item[0] == "name":
                toks = paras[p][0].split(" ")
                toks[len(toks) // 2:len(toks) // 2] = model.topic_names[topic][item[1]]
                paras[p][0] = " ".join(toks)
            elif item[0] == "quote":
                paras[p][item[1]] = model.quote(rng, topic)
            elif item[0] == "story":
                paras[p] = story_paragraph(rng, model, item[1], item[2], len(paras[p]))
            elif item[0] == "stock":
                paras[p][item[1]] = _with_stock_phrase(paras[p][item[1]], list(item[2]), item[3])
            elif item[0] == "append":
                paras[p].append(item[1])


def _render(rng: np.random.Generator, model: TextModel, template: str) -> str:
    out = template
    while "{" in out:
        slot = out[out.index("{"):out.index("}") + 1]
        fill = {"{day}": WEEKDAYS[int(rng.integers(0, 7))],
                "{place}": model.surnames[int(rng.integers(0, len(model.surnames)))],
                "{team}": model.surnames[int(rng.integers(0, len(model.surnames)))] + " United",
                "{name}": model.person(rng)}[slot]
        out = out.replace(slot, fill, 1)
    return out


def _pairs(plan: Plan, world: World, kind: str, group: str, members: list[Span]) -> None:
    """Consecutive members (by publication) as negative pairs of one group."""
    members = sorted(members, key=lambda s: int(world.rank[s.article]))
    for a, b in pairwise(members):
        plan.negatives.append(Truth(kind, a, b, -1.0, group=group))


def _free_paragraph(rng: np.random.Generator, world: World, busy: Busy, article: int) -> int:
    free = [p for p in range(len(world.sentence_counts(article))) if not busy(article, p)]
    return free[int(rng.integers(0, len(free)))] if free else -1


def plan_stories(plan: Plan, world: World, model: TextModel, rng: np.random.Generator,
                 count: int, related: dict[int, set[int]], busy: Busy) -> list[list[int]]:
    """``count`` stories, each told by 2-4 mutually unrelated articles of one topic."""
    made: list[list[int]] = []
    by_topic: dict[int, np.ndarray] = {}
    for s in range(count):
        topic = int(world.topic[int(world.order[int(rng.integers(0, len(world.order)))])])
        if topic not in by_topic:
            by_topic[topic] = world.order[world.topic[world.order] == topic]
        pool = by_topic[topic]
        want, members = int(rng.integers(2, 5)), list[tuple[int, int]]()
        for a in rng.choice(pool, min(len(pool), 16), replace=False).tolist():
            if len(members) == want:
                break
            if all(b != a and b not in related.get(a, ()) for b, _ in members):
                p = _free_paragraph(rng, world, busy, a)
                if p >= 0:
                    members.append((a, p))
        if len(members) < 2:
            continue
        story = make_story(rng, model, topic)
        for k, (a, p) in enumerate(members):
            plan.decorate(a, p, ("story", story, k))
        spans = [Span(a, ("f", p), 0, world.sentence_counts(a)[p]) for a, p in members]
        _pairs(plan, world, "same-story", f"story-{s}", spans)
        made.append([a for a, _ in members])
    return made


def plan_stock_phrases(plan: Plan, world: World, model: TextModel, rng: np.random.Generator,
                       per_phrase: int, busy: Busy) -> None:
    """Each stock phrase inside one sentence of ``per_phrase`` articles."""
    for j, template in enumerate(STOCK_PHRASES):
        spans = []
        for a in rng.choice(world.order, min(per_phrase, len(world.order)), replace=False).tolist():
            p = _free_paragraph(rng, world, busy, a)
            if p < 0:
                continue
            s = int(rng.integers(0, world.sentence_counts(a)[p]))
            words = tuple(_render(rng, model, template).split(" "))
            plan.decorate(a, p, ("stock", s, words, float(rng.random())))
            spans.append(Span(a, ("f", p), s, s + 1))
        _pairs(plan, world, "stock-phrase", f"stock-{j}", spans)


def plan_shared_boilerplate(plan: Plan, world: World, model: TextModel,
                            rng: np.random.Generator, per_line: int, busy: Busy) -> None:
    """Each shared notice in ``per_line`` articles: its own paragraph after the body (70 %)
    or appended to the article's last paragraph."""
    for j, template in enumerate(SHARED_BOILERPLATE):
        spans = []
        for a in rng.choice(world.order, min(per_line, len(world.order)), replace=False).tolist():
            text = _render(rng, model, template)
            last = len(world.sentence_counts(a)) - 1
            if rng.random() < 0.3 and not busy(a, last):
                n = world.sentence_counts(a)[last]
                plan.decorate(a, last, ("append", text))
                spans.append(Span(a, ("f", last), n, n + 1))
            else:
                plan.shared.setdefault(a, []).append(text)
                spans.append(Span(a, ("s", len(plan.shared[a]) - 1), 0, 1))
        _pairs(plan, world, "boilerplate", f"boilerplate-{j}", spans)
