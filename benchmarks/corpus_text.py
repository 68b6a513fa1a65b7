"""Pseudo-English text for the synthetic corpus: vocabulary, sentences, edits and similarity.

Words come from a Zipf-Mandelbrot distribution over ~20k generated words, with real
function words between them, so texts look like prose to a tokeniser while unrelated
articles almost never share runs of more than a few words. Everything is drawn from a
caller-supplied numpy ``Generator`` so a corpus is reproducible from its seed.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["TextModel", "build_text_model", "containment", "jaccard", "normalise", "shingles"]

FUNCTION_WORDS = (
    "the", "of", "and", "to", "in", "a", "said", "that", "for", "on", "is", "was", "with", "he",
    "it", "as", "at", "by", "from", "his", "be", "have", "has", "but", "are", "an", "they", "not",
    "this", "who", "were", "which", "will", "their", "had", "been", "would", "about", "after",
    "also", "more", "its", "she", "her", "new", "over", "than", "into",
)
ABBREVIATIONS = ("U.S.", "U.K.", "U.N.", "a.m.", "p.m.", "Inc.", "Corp.", "No.", "Jan.", "Feb.")
# Sentence openers and the paraphrase an editor swaps in ("changed opening phrase" edits).
OPENERS = {
    "Even though": "However despite the fact that",
    "However,": "But",
    "Meanwhile,": "In the meantime,",
    "In addition,": "On top of that,",
    "As a result,": "Because of this,",
    "According to officials,": "Officials said that",
    "At the same time,": "Simultaneously,",
    "Despite this,": "Nevertheless,",
}
TITLES = ("Prime Minister", "Senator", "Governor", "Mayor", "Minister", "President", "Mr.",
          "Dr.", "Ms.", "General", "Judge", "Chief Executive")
_ONSETS = (
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
    "br", "cr", "dr", "fl", "gr", "pl", "pr", "st", "tr", "ch", "sh", "th",
)
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ou", "io")
_CODAS = ("", "", "", "n", "r", "s", "l", "t", "m", "nd", "st")
_P = {"topic": 0.08, "comma": 0.05, "function": 0.36, "abbr": 0.004,
      "opener": 0.06, "name": 0.15, "quote": 0.05, "aside": 0.4, "tail": 0.25}
# Clauses a sub-editor can drop without breaking the sentence: asides set off by commas
# (", officers believe,") and trailing clauses (", according to the timetable the court
# heard."). "{w}" is a content word, "{n}" the topic's name phrase.
ASIDES = (
    ("police", "said"), ("officers", "believe"), ("officials", "said"), ("it", "is", "understood"),
    ("{n}", "said"), ("according", "to", "{w}", "{w}"), ("the", "court", "heard"),
    ("sources", "said"), ("who", "{w}", "the", "{w}", "{w}"), ("which", "{w}", "{w}", "{w}"),
    ("as", "{w}", "{w}", "{w}", "{w}"), ("it", "emerged"), ("{n}", "told", "reporters"),
    ("according", "to", "the", "{w}", "{w}", "the", "court", "heard"),
)
TAILS = (
    ("according", "to", "{w}", "{w}", "{w}"), ("after", "{w}", "{w}", "the", "{w}", "{w}"),
    ("while", "{w}", "{w}", "{w}"), ("which", "{w}", "{w}", "{w}", "{w}", "{w}"),
    ("police", "said"), ("as", "{w}", "{w}", "{w}", "to", "{w}"), ("{n}", "said"),
    ("before", "{w}", "{w}", "{w}"), ("the", "court", "heard"), ("despite", "{w}", "{w}", "{w}"),
)
TOPIC_WORDS = 40
_TABLE = 1 << 20


_ASCII_PUNCT = {c: None for c in range(128) if unicodedata.category(chr(c)).startswith("P")}


def normalise(text: str) -> list[str]:
    """Reference tokens: lowercase words with every punctuation character (category P*) removed."""
    if text.isascii():  # fast path; same result as the general rule below
        return text.lower().translate(_ASCII_PUNCT).split()
    out = []
    for raw in text.lower().split():
        word = "".join(ch for ch in raw if not unicodedata.category(ch).startswith("P"))
        if word:
            out.append(word)
    return out


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """Word n-gram shingles of the normalised text (one short shingle if fewer than n words)."""
    words = normalise(text)
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def containment(part: str, whole: str, n: int = 3) -> float:
    """Share of ``part``'s n-gram shingles found in ``whole`` (0.0 when ``part`` has none)."""
    sp = shingles(part, n)
    return len(sp & shingles(whole, n)) / len(sp) if sp else 0.0


def jaccard(a: str, b: str, n: int = 3) -> float:
    """Reference similarity used for every Jaccard range in the corpus: |A∩B| / |A∪B|."""
    sa, sb = shingles(a, n), shingles(b, n)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def _syllable_words(rng: np.random.Generator, count: int, syllables: tuple[int, int]) -> list[str]:
    """Unique pronounceable pseudo-words, in draw order."""
    seen: dict[str, None] = {}
    banned = set(FUNCTION_WORDS)
    while len(seen) < count:
        k = 2 * count
        n_syl = rng.integers(syllables[0], syllables[1] + 1, k)
        parts = [rng.integers(0, len(x), (k, 3)) for x in (_ONSETS, _VOWELS, _CODAS)]
        for w in range(k):
            word = "".join(
                _ONSETS[parts[0][w, s]] + _VOWELS[parts[1][w, s]] + _CODAS[parts[2][w, s]]
                for s in range(n_syl[w]))
            if word not in banned:
                seen.setdefault(word)
    return list(seen)[:count]


@dataclass(frozen=True, slots=True)
class TextModel:
    """Word tables; ``words`` = content words, the same + ',', function words, abbreviations."""

    words: list[str]
    word_array: np.ndarray  # ``words`` as an object array: fast id -> word lookup
    n_content: int
    content_cdf: np.ndarray
    content_table: np.ndarray  # id for each of 2**20 equal quantiles: inverse-CDF by lookup
    function_cdf: np.ndarray
    topic_words: np.ndarray  # (topics, TOPIC_WORDS) content-word ids
    topic_names: tuple[tuple[tuple[str, ...], ...], ...]  # per topic: name phrases as tokens
    surnames: tuple[str, ...]
    lower_words: frozenset[str]

    def content_words(self, rng: np.random.Generator, k: int) -> list[str]:
        """k content words from the global Zipf distribution."""
        ids = self.content_table[(rng.random(k) * _TABLE).astype(np.int64)]
        return self.word_array[ids].tolist()

    def person(self, rng: np.random.Generator) -> str:
        """A 'First Last' pseudo-name."""
        a, b = rng.integers(0, len(self.surnames), 2).tolist()
        return f"{self.surnames[a]} {self.surnames[b]}"

    def title(self, rng: np.random.Generator, topic: int) -> str:
        """A headline: a few capitalised words around one topic word."""
        words = [w for w in self.content_words(rng, 24) if len(w) > 3][: int(rng.integers(4, 8))]
        words.insert(int(rng.integers(0, len(words))), self.words[int(self.topic_words[topic, 0])])
        return " ".join(w.capitalize() for w in words)

    def _spare_words(self, topic: int, n: int, salt: int) -> Iterator[str]:
        spare = np.random.default_rng([topic, n, salt, 7])
        while True:
            yield from self.content_words(spare, 64)

    def sentences(self, rng: np.random.Generator, topic: int, n: int) -> list[str]:
        """n sentences of 12-30 words (plus clauses); vectorised word draws, light decoration.

        About a third of the sentences carry an aside set off by commas and a fifth a
        trailing clause: the clauses abridged copies drop.
        """
        lengths = rng.integers(12, 31, n)
        r = rng.random((n, 5))
        pick = rng.integers(0, 1 << 30, (n, 5))
        names = self.topic_names[topic]
        name_len = np.array([len(x) for x in names])[pick[:, 1] % len(names)]
        open_keys = list(OPENERS)
        opener = r[:, 0] < _P["opener"]
        named = r[:, 1] < _P["name"]
        quoted = (r[:, 2] < _P["quote"]) & (lengths >= 16)
        aside = r[:, 3] < _P["aside"]
        tail = (r[:, 4] < _P["tail"]) & ~quoted
        aside_k, tail_k = pick[:, 3] % len(ASIDES), pick[:, 4] % len(TAILS)
        clause_len = (aside * (_ASIDE_LEN[aside_k] + _ASIDE_NAMED[aside_k] * (name_len - 1))
                      + tail * (_TAIL_LEN[tail_k] + _TAIL_NAMED[tail_k] * (name_len - 1)))
        extras = named * name_len + quoted * (name_len + 1) + opener * 2 + clause_len
        base = np.maximum(8, lengths - extras)
        words, starts = self._word_stream(rng, topic, base)
        # Clause placeholders draw from ``fill``; rarely 8 words a sentence run out, and then
        # a spare stream (its own seed: corpora that never run out stay byte-identical) goes on.
        fill = itertools.chain(self.content_words(rng, 8 * n), self._spare_words(topic, n, int(lengths.sum())))
        out = []
        for k, (op, nm, qt, p0, p1, p2) in enumerate(
            zip(opener.tolist(), named.tolist(), quoted.tolist(), *pick[:, :3].T.tolist())
        ):
            toks = words[starts[k]:starts[k + 1]]
            name_at, name = -1, names[p1 % len(names)]
            if nm:
                name_at = p2 % (len(toks) + 1)
                toks[name_at:name_at] = name
            if aside[k]:
                at = 2 + p2 % max(1, len(toks) - 3)
                if nm and name_at < at <= name_at + len(name):  # not inside or right after
                    at = name_at + len(name) + 1  # the name: "<name> it is understood"
                if at < len(toks):
                    toks[at - 1] = toks[at - 1].rstrip(",") + ","
                    toks[at:at] = _clause(ASIDES[aside_k[k]], name, fill, ",")
            if tail[k]:
                toks[-1] = toks[-1].rstrip(",") + ","
                toks.extend(_clause(TAILS[tail_k[k]], name, fill, ""))
            if op:
                toks[:0] = open_keys[p0 % len(open_keys)].split()
            toks[0] = toks[0][:1].upper() + toks[0][1:]
            if qt:
                toks[0] = '"' + toks[0]
                toks[-1] = toks[-1].rstrip(",") + ',"'
                toks.extend(names[(p1 + 1) % len(names)])
                toks.append("said.")
            else:
                toks[-1] = toks[-1].rstrip(",") + "."
            out.append(" ".join(toks))
        return out

    def quote(self, rng: np.random.Generator, topic: int) -> str:
        """A long quoted sentence with its attribution: '"..., " Name said.' (15+ quoted words)."""
        body = max((s for s in self.sentences(rng, topic, 4) if '"' not in s),
                   key=lambda s: s.count(" "), default="")
        while body.count(" ") < 14:
            body = body + " " + self.sentences(rng, topic, 1)[0].replace('"', "")
        names = self.topic_names[topic]
        name = names[int(rng.integers(0, len(names)))]
        return '"' + body[:-1] + ',"' + " " + " ".join(name) + " said."

    def _word_stream(self, rng: np.random.Generator, topic: int, lengths: np.ndarray
                     ) -> tuple[list[str], list[int]]:
        """Undecorated words for sentences of the given lengths, and sentence start indices."""
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        first = np.zeros(total, bool)
        first[ends - lengths] = True
        last = np.zeros(total, bool)
        last[ends - 1] = True
        u = rng.random((7, total))
        ids = self.content_table[(u[0] * _TABLE).astype(np.int64)]
        topical = u[1] < _P["topic"]
        ids[topical] = self.topic_words[topic, (u[2][topical] * TOPIC_WORDS).astype(np.int64)]
        ids += self.n_content * ((u[6] < _P["comma"]) & ~last)
        func = u[3] < _P["function"]
        func[1:] &= ~func[:-1]
        func &= ~last
        f_ids = 2 * self.n_content + np.searchsorted(self.function_cdf, u[4], side="right")
        ids = np.where(func, f_ids, ids)
        abbr = (u[5] < _P["abbr"]) & ~first & ~last & ~func
        base = 2 * self.n_content + len(FUNCTION_WORDS)
        ids[abbr] = base + (u[5][abbr] * 1e6).astype(np.int64) % len(ABBREVIATIONS)
        return self.word_array[ids].tolist(), [0, *ends.tolist()]

    def random_word(self, rng: np.random.Generator) -> str:
        """One content word, used for substitutions and insertions."""
        return self.content_words(rng, 1)[0]

    def edit(self, rng: np.random.Generator, sents: Sequence[str], n_ops: int,
             opening: bool) -> list[str]:
        """Word-level substitutions/insertions/deletions, optionally a changed opening phrase."""
        toks = [s.split(" ") for s in sents]
        for _ in range(n_ops):
            t = toks[int(rng.integers(0, len(toks)))]
            op, pos = rng.random(), int(rng.integers(1, max(2, len(t) - 1)))
            if '"' in t[pos] or pos >= len(t) - 1:
                continue
            if op < 0.5:
                t[pos] = self.random_word(rng)
            elif op < 0.75 or len(t) <= 8:
                t.insert(pos, self.random_word(rng))
            else:
                del t[pos]
        if opening:
            toks[0] = self._reopen(rng, toks[0])
        return [" ".join(t) for t in toks]

    def _reopen(self, rng: np.random.Generator, toks: list[str]) -> list[str]:
        """Swap a known opener for its paraphrase, or prepend a paraphrase opener."""
        quote = toks[0].startswith('"')
        body = [toks[0].lstrip('"'), *toks[1:]]
        for key, new in OPENERS.items():
            n = len(key.split())
            if " ".join(body[:n]) == key:
                body = new.split() + body[n:]
                break
        else:
            head = body[0]
            if head.lower().rstrip(",") in self.lower_words:
                body[0] = head[:1].lower() + head[1:]
            body = list(OPENERS.values())[int(rng.integers(0, len(OPENERS)))].split() + body
        body[0] = ('"' if quote else "") + body[0][:1].upper() + body[0][1:]
        return body

    def edit_until(self, rng: np.random.Generator, sents: Sequence[str], ops_share: float,
                   accept: Callable[[list[str]], int], opening: float = 0.0) -> list[str]:
        """Re-draw edits until ``accept`` gives 0; +1 asks for more edits, -1 for fewer."""
        n_tokens = sum(s.count(" ") + 1 for s in sents)
        ops = max(1, round(ops_share * n_tokens))
        for _ in range(400):
            cand = self.edit(rng, sents, ops, bool(rng.random() < opening))
            verdict = accept(cand)
            if verdict == 0:
                return cand
            ops = max(1, ops + verdict * int(rng.integers(0, 2)))
        raise RuntimeError("could not reach the requested similarity range")

    def rewrite(self, rng: np.random.Generator, topic: int, sents: Sequence[str]) -> list[str]:
        """Same topic words, new order and wording: a paraphrase that is not a copy."""
        pool = [w for w in normalise(" ".join(sents)) if w not in FUNCTION_WORDS_SET]
        out = []
        for s in self.sentences(rng, topic, len(sents)):
            toks = s.split(" ")
            for i in range(1, len(toks) - 1):
                if toks[i].isalpha() and toks[i].islower() and rng.random() < 0.5:
                    toks[i] = pool[int(rng.integers(0, len(pool)))]
            out.append(" ".join(toks))
        return out


FUNCTION_WORDS_SET = frozenset(FUNCTION_WORDS)


_ASIDE_LEN, _TAIL_LEN = (np.array([len(t) for t in ts]) for ts in (ASIDES, TAILS))
_ASIDE_NAMED, _TAIL_NAMED = (np.array(["{n}" in t for t in ts]) for ts in (ASIDES, TAILS))


def _clause(template: tuple[str, ...], name: tuple[str, ...], fill: Iterator[str], end: str
            ) -> list[str]:
    """Tokens of one clause: content words and the name filled in, ``end`` on the last."""
    toks: list[str] = []
    for part in template:
        toks.extend(name if part == "{n}" else [next(fill)] if part == "{w}" else [part])
    toks[-1] += end
    return toks


def _zipf_cdf(n: int, s: float, q: float) -> np.ndarray:
    p = 1.0 / (np.arange(1, n + 1) + q) ** s
    cdf = np.cumsum(p / p.sum())
    cdf[-1] = 1.0
    return cdf


def build_text_model(seed: int, vocab_size: int = 20_000, num_topics: int = 24) -> TextModel:
    """Vocabulary, frequency ranks (short words frequent), topic words and topic names."""
    rng = np.random.default_rng([seed, 7])
    vocab = _syllable_words(rng, vocab_size, (1, 3))
    noise = rng.normal(0.0, 1.5, len(vocab))  # frequent words are short, but not all tiny
    rank = np.argsort([len(w) + x for w, x in zip(vocab, noise)], kind="stable")
    vocab = [vocab[i] for i in rank]
    surnames = tuple(w.capitalize() for w in _syllable_words(rng, 3000, (2, 3)))
    lo, hi = vocab_size // 50, vocab_size // 4
    topic_words = np.stack([rng.choice(np.arange(lo, hi), TOPIC_WORDS, replace=False)
                            for _ in range(num_topics)])
    names = []
    for _ in range(num_topics):
        people = []
        for _ in range(5):
            first, last = (surnames[i] for i in rng.integers(0, len(surnames), 2).tolist())
            form = int(rng.integers(0, 3))
            if form == 0:
                people.append((*TITLES[int(rng.integers(0, len(TITLES)))].split(), first, last))
            else:
                people.append((first, last) if form == 1 else ("Mr.", last))
        names.append(tuple(people))
    words = vocab + [w + "," for w in vocab] + list(FUNCTION_WORDS) + list(ABBREVIATIONS)
    cdf = _zipf_cdf(vocab_size, 1.0, 5.0)
    table = np.searchsorted(cdf, (np.arange(_TABLE) + 0.5) / _TABLE, side="right")
    return TextModel(words=words, word_array=np.array(words, dtype=object), n_content=vocab_size,
                     content_cdf=cdf, content_table=table,
                     function_cdf=_zipf_cdf(len(FUNCTION_WORDS), 0.8, 1.0),
                     topic_words=topic_words, topic_names=tuple(names), surnames=surnames,
                     lower_words=frozenset(vocab) | FUNCTION_WORDS_SET)
