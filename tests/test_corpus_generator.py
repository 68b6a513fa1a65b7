"""The synthetic benchmark corpus must be exact, since recall/precision tests trust it blindly."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from benchmarks import corpus
from benchmarks.corpus import (
    KINDS,
    NEGATIVE_KINDS,
    CorpusSpec,
    cached_corpus,
    containment,
    evaluate,
    generate_corpus,
    jaccard,
    normalise,
)
from benchmarks.corpus_text import build_text_model
from benchmarks.corpus_tokens import abridge, cut, droppable, regions, texts, track, trim_quote

Built = tuple[Path, dict, dict[str, str]]
TRACKED = ("abridged", "trimmed-quote", "rewritten-end", "merged-sentences", "spread", "chained")


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("corpus300")
    truth = generate_corpus(root, CorpusSpec(300, seed=3, min_events_per_kind=15))
    texts_ = {a["path"]: _read(root / a["path"]) for a in truth["articles"]}
    return root, truth, texts_


def _slice(texts_: dict[str, str], span: dict) -> str:
    return texts_[span["path"]][span["start"]:span["end"]]


def _events(truth: dict, kind: str) -> list[list[dict]]:
    by_event: dict[int, list[dict]] = defaultdict(list)
    for r in truth["reuses"]:
        if r["kind"] == kind:
            by_event[r["event"]].append(r)
    return list(by_event.values())


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _perfect(truth: dict) -> dict:
    return {"reuses": [{"origin": r["origin"], "copy": r["copy"], "similarity": r["jaccard"],
                        "kind": r["kind"]} for r in truth["reuses"]]}


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    it = iter(whole)
    return all(word in it for word in part)


def _longest_common_run(a: list[str], b: list[str]) -> int:
    best, prev = 0, [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


# --------------------------------------------------------------------------- text and truth


def test_reference_similarity() -> None:
    assert normalise('"Hello, U.S. World." -- x') == ["hello", "us", "world", "x"]
    assert jaccard("a b c d", "A, b. c d!") == 1.0
    assert jaccard("a b c d", "a b c e") == pytest.approx(1 / 3)
    assert jaccard("", "") == 0.0
    assert containment("a b c", "x a b c d") == 1.0 and containment("a b c d", "a b c") == 0.5


def test_truth_spans_slice_files_exactly_on_token_boundaries(built: Built) -> None:
    _, truth, texts_ = built
    spans = [s for r in truth["reuses"] for s in (r["origin"], r["copy"], r.get("via")) if s]
    spans += [s for n in truth["negatives"] for s in (n["a"], n["b"])]
    for span in spans:
        text, whole = _slice(texts_, span), texts_[span["path"]]
        assert text and text == text.strip() and "\n" not in text
        assert span["start"] == 0 or whole[span["start"] - 1] in " \n", span
        assert span["end"] == len(whole) or whole[span["end"]] in " \n", span


def test_every_kind_is_planted_often_enough(built: Built) -> None:
    _, truth, _ = built
    events = {kind: len(_events(truth, kind)) for kind in KINDS}
    assert all(n >= 15 for n in events.values()), events
    negatives = Counter(n["kind"] for n in truth["negatives"])
    assert all(negatives[k] >= 10 for k in NEGATIVE_KINDS), negatives


def test_similarities_are_measured_and_in_range(built: Built) -> None:
    _, truth, texts_ = built
    bounds = {"verbatim": (1.0, 1.0), "split": (1.0, 1.0), "merged": (1.0, 1.0),
              "rewritten-end": (1.0, 1.0), "edited": (0.5, 0.9), "embedded": (0.6, 1.0),
              "chained": (0.2, 1.0), "abridged": (0.15, 0.9), "trimmed-quote": (0.1, 0.9),
              "merged-sentences": (0.3, 1.0), "spread": (0.5, 1.0)}
    for r in truth["reuses"]:
        origin, copy = _slice(texts_, r["origin"]), _slice(texts_, r["copy"])
        assert jaccard(origin, copy) == r["jaccard"]
        assert containment(copy, origin) == r["containment"]
        lo, hi = bounds[r["kind"]]
        assert lo <= r["jaccard"] <= hi, r
    for n in truth["negatives"]:
        measured = jaccard(_slice(texts_, n["a"]), _slice(texts_, n["b"]))
        assert measured == n["jaccard"]
        if n["kind"] in ("rewritten", "common-phrase", "same-story"):
            assert measured < 0.2, n


def test_abridged_copies_keep_origin_words_in_order(built: Built) -> None:
    _, truth, texts_ = built
    jaccards, contained = [], []
    for [r] in _events(truth, "abridged"):
        origin, copy = (normalise(_slice(texts_, r[s])) for s in ("origin", "copy"))
        assert _is_subsequence(copy, origin) and len(copy) < len(origin)
        assert copy[0] == origin[0] and copy[-1] == origin[-1]  # aligned ends
        jaccards.append(r["jaccard"])
        contained.append(r["containment"])
    assert 0.5 <= min(contained) and max(contained) <= 0.92
    assert np.mean(np.array(jaccards) < 0.5) >= 0.2  # often below today's verification


def test_abridge_cuts_clauses_and_keeps_the_requested_share() -> None:
    model = build_text_model(0)
    rng = np.random.default_rng(4)
    for _ in range(30):
        para = track(model.sentences(rng, 2, int(rng.integers(2, 6))))
        short = abridge(rng, para)
        kept = sum(len(s) for s in short) / sum(len(s) for s in para)
        assert 0.5 <= kept <= 0.85
        assert regions([t for s in short for t in s]) == [(0, sum(len(s) for s in short) - 1)]
    sentence = track([("It is clear, officers believe, that whoever left the building last, "
                       "according to the timetable, must have seen the fire start.")])[0]
    assert {(3, 4, "aside"), (11, 14, "aside")} <= set(droppable(sentence))
    assert texts([cut(cut(sentence, 11, 14, "aside"), 3, 4, "aside")]) == [
        "It is clear that whoever left the building last must have seen the fire start."]


def test_trimmed_quotes_cut_inside_the_quotation(built: Built) -> None:
    _, truth, texts_ = built
    for [r] in _events(truth, "trimmed-quote"):
        origin, copy = _slice(texts_, r["origin"]), _slice(texts_, r["copy"])
        assert '"' in copy and origin != copy
        assert _is_subsequence(normalise(copy), normalise(origin))
    rng = np.random.default_rng(1)
    quote = track([('"One two three four five six seven eight nine ten eleven twelve," '
                    "Jane Roe said.")])[0]
    for _ in range(20):
        kept = [t for t in trim_quote(rng, quote) if t[1] >= 0 and t[2] < 12]
        assert 8 <= len(kept) <= 10


def test_rewritten_end_is_a_verbatim_start(built: Built) -> None:
    _, truth, texts_ = built
    for [r] in _events(truth, "rewritten-end"):
        origin, copy = _slice(texts_, r["origin"]), _slice(texts_, r["copy"])
        assert origin == copy and len(normalise(copy)) >= 10
        assert texts_[r["origin"]["path"]][r["origin"]["start"] - 1] == "\n"  # paragraph start
        after = normalise(texts_[r["copy"]["path"]][r["copy"]["end"]:])[:1]
        following = normalise(texts_[r["origin"]["path"]][r["origin"]["end"]:])[:1]
        assert after and after != following  # the copy goes on in its own words


def test_merged_sentences_and_spread_shapes(built: Built) -> None:
    _, truth, texts_ = built
    for first, second in _events(truth, "merged-sentences"):
        assert first["copy"]["path"] == second["copy"]["path"]
        gap = texts_[first["copy"]["path"]][first["copy"]["end"]:second["copy"]["start"]]
        assert gap in (" ", " and ")  # one copy paragraph
        early, late = sorted((first["origin"], second["origin"]), key=lambda s: s["start"])
        o_gap = texts_[early["path"]][early["end"]:late["start"]]
        assert len(normalise(o_gap)) >= 8 or "\n" in o_gap  # not neighbours in the origin
    for first, second in _events(truth, "spread"):
        gap = texts_[first["copy"]["path"]][first["copy"]["end"]:second["copy"]["start"]]
        assert "\n\n" in gap and len(normalise(gap)) >= 8  # an own sentence between
        assert first["origin"]["end"] + 1 == second["origin"]["start"]


def test_chains_point_at_the_first_origin(built: Built) -> None:
    _, truth, _ = built
    published = {a["path"]: a["published"] for a in truth["articles"]}
    shifted = 0
    for event in _events(truth, "chained"):
        to_c = [r for r in event if "via" in r]
        assert len(to_c) == 1, event
        [c] = to_c
        to_b = [r for r in event if r["copy"]["path"] == c["via"]["path"]]  # A -> B
        assert to_b and all(b["origin"]["path"] == c["origin"]["path"] for b in to_b)
        assert any(b["copy"]["start"] < c["via"]["end"] and c["via"]["start"] < b["copy"]["end"]
                   for b in to_b)
        assert published[c["origin"]["path"]] < published[c["via"]["path"]] < published[c["copy"]["path"]]
        shifted += all(b["copy"] != c["via"] for b in to_b)
        for r in event:  # B's own words taken by C have B as origin
            if "via" not in r and r["copy"]["path"] == c["copy"]["path"]:
                assert r["origin"]["path"] == c["via"]["path"]
    assert shifted >= 5  # C's region has other boundaries than B's region from A


def test_kind_shapes(built: Built) -> None:
    _, truth, texts_ = built
    for [r] in _events(truth, "embedded"):  # new sentences on both sides, inside one paragraph
        text = texts_[r["copy"]["path"]]
        start, end = _paragraph(text, r["copy"])
        assert start < r["copy"]["start"] - 20 and r["copy"]["end"] + 20 < end
    for first, second in _events(truth, "split"):  # consecutive paras
        assert first["origin"]["end"] < second["origin"]["start"]
        gap = texts_[first["copy"]["path"]][first["copy"]["end"]:second["copy"]["start"]]
        assert first["copy"]["path"] == second["copy"]["path"] and gap == "\n\n"
    for first, second in _events(truth, "merged"):  # one paragraph
        assert texts_[first["copy"]["path"]][first["copy"]["end"]:second["copy"]["start"]] == " "
        gap = texts_[first["origin"]["path"]][first["origin"]["end"]:second["origin"]["start"]]
        assert gap == "\n\n"
    origins = Counter((r["origin"]["path"], r["origin"]["start"]) for r in truth["reuses"]
                      if r["kind"] in ("verbatim", "edited"))
    assert max(origins.values()) >= 2  # some paragraphs are picked up by several copies


def _paragraph(text: str, span: dict) -> tuple[int, int]:
    """Start/end of the paragraph (line) holding a span."""
    start = text.rfind("\n", 0, span["start"]) + 1
    end = text.find("\n", span["end"])
    return start, len(text) if end < 0 else end


# --------------------------------------------------------------------------- negatives


def _groups(truth: dict, kind: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for n in truth["negatives"]:
        if n["kind"] == kind:
            for s in (n["a"], n["b"]):
                if s not in groups[n["group"]]:
                    groups[n["group"]].append(s)
    return groups


def test_same_story_articles_share_facts_but_no_long_run(built: Built) -> None:
    _, truth, texts_ = built
    groups = _groups(truth, "same-story")
    assert len(groups) >= 5
    for members in groups.values():
        words = [normalise(_slice(texts_, s)) for s in members]
        paths = {s["path"] for s in members}
        assert len(paths) == len(members) >= 2
        for k in range(1, len(words)):
            run = _longest_common_run(words[0], words[k])
            assert 3 <= run < 10, (members[0], members[k])
            assert len(set(words[0]) & set(words[k])) >= 10  # names, figures, topic words


def test_stock_phrases_and_shared_notices_recur_across_outlets(built: Built) -> None:
    _, truth, texts_ = built
    outlets = {a["path"]: a["outlet"] for a in truth["articles"]}
    for kind, min_run in (("stock-phrase", 5), ("boilerplate", 2)):
        groups = _groups(truth, kind)
        assert len(groups) >= 5
        for members in groups.values():
            assert len({outlets[s["path"]] for s in members}) >= 2
            first = normalise(_slice(texts_, members[0]))
            assert all(_longest_common_run(first, normalise(_slice(texts_, s))) >= min_run
                       for s in members[1:])


def test_boilerplate_is_frequent_and_never_truth(built: Built) -> None:
    _, truth, texts_ = built
    for line in truth["boilerplate"]:
        paths = [p for p in texts_ if p.startswith(line["outlet"] + "/")]
        share = sum(f"\n{line['text']}\n" in f"\n{texts_[p]}\n" for p in paths) / len(paths)
        assert share >= 0.6, line
    boiler = {b["text"] for b in truth["boilerplate"]}
    boiler |= {_slice(texts_, s) for g in _groups(truth, "boilerplate").values() for s in g}
    for r in truth["reuses"]:
        assert not any(b in _slice(texts_, r["copy"]) for b in boiler)


def test_unrelated_articles_share_no_long_runs(built: Built) -> None:
    _, truth, texts_ = built
    family: dict[str, set[str]] = defaultdict(set)
    for r in truth["reuses"]:
        family[r["origin"]["path"]].add(r["copy"]["path"])
        if "via" in r:
            family[r["origin"]["path"]].add(r["via"]["path"])
    for n in truth["negatives"]:
        family[n.get("group") or n["a"]["path"]] |= {n["a"]["path"], n["b"]["path"]}
    related = {(a, b) for o, copies in family.items() for a in copies | {o} for b in copies | {o}}
    boiler = {b["text"] for b in truth["boilerplate"]}
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path, text in texts_.items():
        for para in text.split("\n")[5:] if text.startswith("https://") else text.split("\n")[2:]:
            words = [] if para in boiler else normalise(para)
            for i in range(len(words) - 6):
                owners[tuple(words[i:i + 7])].add(path)
    shared = {(a, b) for paths in owners.values() for a in paths for b in paths if a < b}
    assert not shared - related


# --------------------------------------------------------------------------- layout, dates


def test_origins_are_published_before_copies(built: Built) -> None:
    _, truth, _ = built
    published = {a["path"]: a["published"] for a in truth["articles"]}
    for r in truth["reuses"]:
        origin, copy = published[r["origin"]["path"]], published[r["copy"]["path"]]
        assert origin is not None and copy is not None and origin < copy
    dated = [p for p in published.values() if p]
    assert len(set(dated)) == len(dated)


def test_date_only_stamps_never_share_a_day_with_related_articles(built: Built) -> None:
    _, truth, _ = built
    published = {a["path"]: a["published"] for a in truth["articles"]}
    date_only = {p for p, t in published.items() if t and t.endswith("T00:00:00Z")}
    assert date_only
    pairs = [(r["origin"]["path"], r["copy"]["path"]) for r in truth["reuses"]]
    for a, b in pairs:
        if a in date_only or b in date_only:
            assert published[a][:10] != published[b][:10]


def test_article_layout(built: Built) -> None:
    _, truth, texts_ = built
    undated = [a for a in truth["articles"] if a["published"] is None]
    assert undated and all(a["url"] is None for a in undated)
    for a in truth["articles"]:
        lines = texts_[a["path"]].split("\n")
        if a["published"] is None:
            assert not lines[0].startswith("http") and lines[1] == "" and lines[2]
            continue
        assert lines[0] == a["url"] and a["url"].startswith("https://www.")
        assert lines[1].startswith("['") and lines[1].endswith("']")
        assert lines[2] == a["published"][:19].replace("T", " ") and lines[4] == " "
        assert "\n\n\n" not in texts_[a["path"]] and not texts_[a["path"]].endswith("\n")
    in_reuse = {s["path"] for r in truth["reuses"] for s in (r["origin"], r["copy"])}
    assert not in_reuse & {a["path"] for a in undated}
    sizes = [len(t.encode()) for t in texts_.values()]
    assert 3000 < sum(sizes) / len(sizes) < 5500


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    hashes = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        generate_corpus(tmp_path / name, CorpusSpec(60, seed=seed))
        hashes.append(_tree_hash(tmp_path / name))
    assert hashes[0] == hashes[1] != hashes[2]


def test_kinds_can_be_chosen(tmp_path: Path) -> None:
    truth = generate_corpus(tmp_path, CorpusSpec(80, seed=2, kinds=("abridged", "spread"),
                                                  min_events_per_kind=6))
    assert {r["kind"] for r in truth["reuses"]} == {"abridged", "spread"}
    assert len({r["event"] for r in truth["reuses"] if r["kind"] == "abridged"}) >= 6


# --------------------------------------------------------------------------- evaluate


def test_evaluate_perfect_report(built: Built) -> None:
    _, truth, _ = built
    scores = evaluate(_perfect(truth), truth)
    for kind in (*KINDS, "overall"):
        s = scores[kind]
        assert s["recall"] == s["precision"] == s["span_accuracy"] == s["origin_accuracy"] == 1.0
    assert scores["unmatched"]["reported"] == 0 and scores["negatives"]["reported"] == 0
    assert scores["negatives"]["findings"] == 0


def test_evaluate_missing_wrong_and_unmatched(built: Built) -> None:
    _, truth, _ = built
    report = _perfect(truth)
    verbatim = [r for r in report["reuses"] if r["kind"] == "verbatim"]
    edited = [r for r in report["reuses"] if r["kind"] == "edited"]
    report["reuses"] = [r for r in report["reuses"] if r not in verbatim[10:]]
    for r in edited[:5]:  # wrong origin: the copy article itself
        r["origin"] = {**r["copy"]}
    neg = truth["negatives"][0]
    report["reuses"].append({"origin": neg["a"], "copy": neg["b"], "similarity": 0.1, "kind": "x"})
    scores = evaluate(report, truth)
    assert scores["verbatim"]["found"] == 10 and scores["verbatim"]["recall"] == 10 / len(verbatim)
    assert scores["edited"]["found"] == scores["edited"]["correct"] == len(edited) - 5
    assert scores["unmatched"]["reported"] == 1 and scores["negatives"]["reported"] == 1
    assert scores["negatives"]["findings"] == 1
    assert scores["negatives"]["kinds"][neg["kind"]]["findings"] == 1
    matched = len(report["reuses"]) - 1
    n = len(edited)
    assert scores["edited"]["precision"] == pytest.approx((n - 5) / (n + n / matched))
    assert scores["verbatim"]["precision"] == pytest.approx(10 / (10 + 10 / matched))
    assert scores["overall"]["precision"] == pytest.approx((matched - 5) / (matched + 1))


def test_evaluate_overlap_rules(built: Built) -> None:
    _, truth, _ = built
    merged = _events(truth, "merged")[0]  # both halves of one copy
    whole = {"path": merged[0]["copy"]["path"], "start": merged[0]["copy"]["start"],
             "end": merged[1]["copy"]["end"]}
    origin = {"path": merged[0]["origin"]["path"], "start": merged[0]["origin"]["start"],
              "end": merged[1]["origin"]["end"]}
    scores = evaluate({"reuses": [{"origin": origin, "copy": whole}]}, {**truth, "reuses": merged})
    assert scores["merged"]["found"] == 2 and scores["merged"]["correct"] == 1
    assert scores["merged"]["span_ok"] == 2  # adjacent truths from one origin form one region
    chain = next(e for e in _events(truth, "chained") if len(e) == 2)  # A->B, A->C
    to_c = next(r for r in chain if "via" in r)
    via_b = {"origin": to_c["via"], "copy": to_c["copy"]}
    scores = evaluate({"reuses": [via_b]}, {**truth, "reuses": chain})
    assert scores["chained"]["found"] == 1 and scores["chained"]["origin_ok"] == 0
    assert scores["chained"]["precision"] == 0.0


def test_evaluate_span_accuracy_needs_half_of_the_longer(built: Built) -> None:
    _, truth, texts_ = built
    [r] = next(e for e in _events(truth, "rewritten-end")
               if len(texts_[e[0]["copy"]["path"]]) > e[0]["copy"]["end"] + 300)
    start, end = r["copy"]["start"], r["copy"]["end"]
    length = end - start
    for pred_end, ok in ((end, 1), (start + 2 * length - 10, 1), (start + 2 * length + 10, 0),
                         (start + length // 2 - 5, 0)):
        copy = {**r["copy"], "end": pred_end}
        scores = evaluate({"reuses": [{"origin": r["origin"], "copy": copy}]},
                          {**truth, "reuses": [r]})
        assert scores["rewritten-end"]["found"] == 1 and scores["rewritten-end"]["span_ok"] == ok


def test_evaluate_adjacent_spans_count_as_one(built: Built) -> None:
    _, truth, _ = built
    first, second = _events(truth, "split")[0]
    c1, c2 = first["copy"], second["copy"]
    middle = (c1["start"] + c1["end"]) // 2
    fragments = [{"origin": first["origin"], "copy": {**c1, "end": middle}},
                 {"origin": first["origin"], "copy": {**c1, "start": middle + 1}}]
    sloppy = {"origin": second["origin"], "copy": {**c2, "start": c1["end"] + 1}}
    for reuses in (fragments, [{"origin": first["origin"], "copy": c1}, sloppy]):
        scores = evaluate({"reuses": reuses}, {**truth, "reuses": [first, second]})
        assert scores["split"]["span_ok"] == scores["split"]["found"] >= 1, reuses


def test_evaluate_counts_findings_between_any_members_of_a_negative_group(built: Built) -> None:
    _, truth, _ = built
    members = _groups(truth, "stock-phrase")["stock-0"]
    report = {"reuses": [{"origin": members[0], "copy": members[2]}]}  # not a listed pair
    scores = evaluate(report, truth)
    assert scores["negatives"]["kinds"]["stock-phrase"]["findings"] == 1
    assert scores["negatives"]["findings"] == 1


def test_cached_corpus_reuses_and_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = corpus.generate_corpus

    def counting(out_dir: Path, spec: CorpusSpec) -> dict:
        calls.append(spec.num_articles)
        return real(out_dir, spec)

    monkeypatch.setattr(corpus, "generate_corpus", counting)
    spec = CorpusSpec(40, seed=5)
    first = cached_corpus(spec, tmp_path)
    assert cached_corpus(spec, tmp_path) == first and len(calls) == 1
    assert json.loads((first / "ground_truth.json").read_text())["spec"]["num_articles"] == 40
    (first / corpus.MARKER).unlink()  # as if the run had been interrupted
    assert cached_corpus(spec, tmp_path) == first and len(calls) == 2
    assert (first / corpus.MARKER).is_file()
    assert cached_corpus(CorpusSpec(40, seed=6), tmp_path) != first


def test_interrupted_generation_leaves_nothing_complete(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(out_dir: Path, spec: CorpusSpec) -> dict:
        (out_dir / "partial").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(corpus, "generate_corpus", crash)
    with pytest.raises(KeyboardInterrupt):
        cached_corpus(CorpusSpec(30), tmp_path)
    assert not any((p / corpus.MARKER).exists() for p in tmp_path.iterdir())
    monkeypatch.undo()
    done = cached_corpus(CorpusSpec(30), tmp_path)
    assert (done / corpus.MARKER).is_file() and not (done / "partial").exists()


def test_cli_writes_corpus_and_evaluates_a_report(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert corpus.main([str(tmp_path / "cli"), "--articles", "30", "--seed", "4"]) == 0
    truth = json.loads((tmp_path / "cli" / "ground_truth.json").read_text())
    assert len(truth["articles"]) == 30 and truth["spec"]["seed"] == 4
    assert "30 articles" in capsys.readouterr().out
    (tmp_path / "report.json").write_text(json.dumps(_perfect(truth)))
    assert corpus.main(["evaluate", str(tmp_path / "report.json"), str(tmp_path / "cli")]) == 0
    table = capsys.readouterr().out
    assert re.search(r"^overall\s+\d+\s+\d+\s+1\.000\s+1\.000\s+1\.000", table, re.MULTILINE), table
    assert "span acc" in table and "hard negative" in table
    with pytest.raises(SystemExit) as exit_:
        corpus.main(["evaluate", str(tmp_path / "missing.json"), str(tmp_path / "cli")])
    assert exit_.value.code == 2 and "missing.json not found" in capsys.readouterr().err
