"""The synthetic benchmark corpus must be exact, since recall/precision tests trust it blindly."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from benchmarks import corpus
from benchmarks.corpus import (
    KINDS,
    CorpusSpec,
    cached_corpus,
    evaluate,
    generate_corpus,
    jaccard,
    normalise,
)


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, str]]:
    root = tmp_path_factory.mktemp("corpus300")
    truth = generate_corpus(root, CorpusSpec(300, seed=3))
    texts = {a["path"]: _read(root / a["path"]) for a in truth["articles"]}
    return root, truth, texts


def _slice(texts: dict[str, str], span: dict) -> str:
    return texts[span["path"]][span["start"]:span["end"]]


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _perfect(truth: dict) -> dict:
    return {"reuses": [{"origin": r["origin"], "copy": r["copy"], "similarity": r["jaccard"],
                        "kind": r["kind"]} for r in truth["reuses"]]}


def test_reference_similarity() -> None:
    assert normalise('"Hello, U.S. World." -- x') == ["hello", "us", "world", "x"]
    assert jaccard("a b c d", "A, b. c d!") == 1.0
    assert jaccard("a b c d", "a b c e") == pytest.approx(1 / 3)
    assert jaccard("", "") == 0.0


def test_truth_spans_slice_files_exactly(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, texts = built
    spans = [s for r in truth["reuses"] for s in (r["origin"], r["copy"])]
    spans += [s for n in truth["negatives"] for s in (n["a"], n["b"])]
    for span in spans:
        text = _slice(texts, span)
        assert text and text == text.strip() and "\n" not in text


def test_every_kind_is_planted_often_enough(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, _ = built
    kinds = Counter(r["kind"] for r in truth["reuses"])
    assert all(kinds[k] >= 15 for k in KINDS), kinds
    negatives = Counter(n["kind"] for n in truth["negatives"])
    assert negatives["rewritten"] >= 10 and negatives["common-phrase"] >= 10


def test_jaccard_values_are_measured_and_in_range(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, texts = built
    bounds = {"verbatim": (1.0, 1.0), "split": (1.0, 1.0), "merged": (1.0, 1.0),
              "edited": (0.5, 0.9), "embedded": (0.6, 1.0), "chained": (0.5, 1.0)}
    for r in truth["reuses"]:
        measured = jaccard(_slice(texts, r["origin"]), _slice(texts, r["copy"]))
        assert measured == r["jaccard"]
        lo, hi = bounds[r["kind"]]
        assert lo <= measured <= hi, r
    for n in truth["negatives"]:
        measured = jaccard(_slice(texts, n["a"]), _slice(texts, n["b"]))
        assert measured == n["jaccard"] and measured < 0.2


def test_origins_are_published_before_copies(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, _ = built
    published = {a["path"]: a["published"] for a in truth["articles"]}
    for r in truth["reuses"]:
        origin, copy = published[r["origin"]["path"]], published[r["copy"]["path"]]
        assert origin is not None and copy is not None and origin < copy
    dated = [p for p in published.values() if p]
    assert len(set(dated)) == len(dated)


def test_date_only_stamps_never_share_a_day_with_related_articles(
        built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, _ = built
    published = {a["path"]: a["published"] for a in truth["articles"]}
    date_only = {p for p, t in published.items() if t and t.endswith("T00:00:00Z")}
    assert date_only
    pairs = [(r["origin"]["path"], r["copy"]["path"]) for r in truth["reuses"]]
    for a, b in pairs:
        if a in date_only or b in date_only:
            assert published[a][:10] != published[b][:10]


def test_article_layout(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, texts = built
    undated = [a for a in truth["articles"] if a["published"] is None]
    assert undated and all(a["url"] is None for a in undated)
    for a in truth["articles"]:
        lines = texts[a["path"]].split("\n")
        if a["published"] is None:
            assert not lines[0].startswith("http") and lines[1] == "" and lines[2]
            continue
        assert lines[0] == a["url"] and a["url"].startswith("https://www.")
        assert lines[1].startswith("['") and lines[1].endswith("']")
        assert lines[2] == a["published"][:19].replace("T", " ") and lines[4] == " "
        assert "\n\n\n" not in texts[a["path"]] and not texts[a["path"]].endswith("\n")
    in_reuse = {s["path"] for r in truth["reuses"] for s in (r["origin"], r["copy"])}
    assert not in_reuse & {a["path"] for a in undated}
    sizes = [len(t.encode()) for t in texts.values()]
    assert 3000 < sum(sizes) / len(sizes) < 5500


def _paragraph(text: str, span: dict) -> tuple[int, int]:
    """Start/end of the paragraph (line) holding a span."""
    start = text.rfind("\n", 0, span["start"]) + 1
    end = text.find("\n", span["end"])
    return start, len(text) if end < 0 else end


def test_kind_shapes(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, texts = built
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in truth["reuses"]:
        by_kind[r["kind"]].append(r)
    for r in by_kind["embedded"]:  # new sentences on both sides, inside one paragraph
        text = texts[r["copy"]["path"]]
        start, end = _paragraph(text, r["copy"])
        assert start < r["copy"]["start"] - 20 and r["copy"]["end"] + 20 < end
    for first, second in zip(by_kind["split"][::2], by_kind["split"][1::2]):  # consecutive paras
        assert first["origin"]["end"] < second["origin"]["start"]
        gap = texts[first["copy"]["path"]][first["copy"]["end"]:second["copy"]["start"]]
        assert first["copy"]["path"] == second["copy"]["path"] and gap == "\n\n"
    for first, second in zip(by_kind["merged"][::2], by_kind["merged"][1::2]):  # one paragraph
        assert texts[first["copy"]["path"]][first["copy"]["end"]:second["copy"]["start"]] == " "
        gap = texts[first["origin"]["path"]][first["origin"]["end"]:second["origin"]["start"]]
        assert gap == "\n\n"
    published = {a["path"]: a["published"] for a in truth["articles"]}
    for to_b, to_c in zip(by_kind["chained"][::2], by_kind["chained"][1::2]):  # A -> B -> C
        assert to_b["origin"] == to_c["origin"] and to_c["via"] == to_b["copy"]
        assert published[to_b["copy"]["path"]] < published[to_c["copy"]["path"]]
        assert jaccard(_slice(texts, to_c["via"]), _slice(texts, to_c["copy"])) >= 0.6
    origins = Counter((r["origin"]["path"], r["origin"]["start"]) for r in truth["reuses"]
                      if r["kind"] in ("verbatim", "edited"))
    assert max(origins.values()) >= 2  # some paragraphs are picked up by several copies


def test_boilerplate_is_frequent_and_never_truth(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, texts = built
    for line in truth["boilerplate"]:
        paths = [p for p in texts if p.startswith(line["outlet"] + "/")]
        share = sum(f"\n{line['text']}\n" in f"\n{texts[p]}\n" for p in paths) / len(paths)
        assert share >= 0.6, line
    boiler = {b["text"] for b in truth["boilerplate"]}
    for r in truth["reuses"]:
        assert not any(b in _slice(texts, r["copy"]) for b in boiler)


def test_unrelated_articles_share_no_long_runs(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, texts = built
    family: dict[str, set[str]] = defaultdict(set)
    for r in truth["reuses"]:
        family[r["origin"]["path"]].add(r["copy"]["path"])
    related = {(a, b) for o, copies in family.items() for a in copies | {o} for b in copies | {o}}
    boiler = {b["text"] for b in truth["boilerplate"]}
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path, text in texts.items():
        for para in text.split("\n")[5:] if text.startswith("https://") else text.split("\n")[2:]:
            words = [] if para in boiler else normalise(para)
            for i in range(len(words) - 6):
                owners[tuple(words[i:i + 7])].add(path)
    shared = {(a, b) for paths in owners.values() for a in paths for b in paths if a < b}
    assert not shared - related


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    hashes = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        generate_corpus(tmp_path / name, CorpusSpec(60, seed=seed))
        hashes.append(_tree_hash(tmp_path / name))
    assert hashes[0] == hashes[1] != hashes[2]


def test_evaluate_perfect_report(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, _ = built
    scores = evaluate(_perfect(truth), truth)
    for kind in (*KINDS, "overall"):
        assert scores[kind]["recall"] == scores[kind]["precision"] == 1.0
    assert scores["unmatched"]["reported"] == 0 and scores["negatives"]["reported"] == 0


def test_evaluate_missing_wrong_and_unmatched(built: tuple[Path, dict, dict[str, str]]) -> None:
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
    matched = len(report["reuses"]) - 1
    n = len(edited)
    assert scores["edited"]["precision"] == pytest.approx((n - 5) / (n + n / matched))
    assert scores["verbatim"]["precision"] == pytest.approx(10 / (10 + 10 / matched))
    assert scores["overall"]["precision"] == pytest.approx((matched - 5) / (matched + 1))


def test_evaluate_overlap_rules(built: tuple[Path, dict, dict[str, str]]) -> None:
    _, truth, _ = built
    merged = [r for r in truth["reuses"] if r["kind"] == "merged"][:2]  # both halves of one copy
    assert merged[0]["copy"]["path"] == merged[1]["copy"]["path"]
    whole = {"path": merged[0]["copy"]["path"], "start": merged[0]["copy"]["start"],
             "end": merged[1]["copy"]["end"]}
    origin = {"path": merged[0]["origin"]["path"], "start": merged[0]["origin"]["start"],
              "end": merged[1]["origin"]["end"]}
    scores = evaluate({"reuses": [{"origin": origin, "copy": whole}]}, {**truth, "reuses": merged})
    assert scores["merged"]["found"] == 2 and scores["merged"]["correct"] == 1
    chained = [r for r in truth["reuses"] if r["kind"] == "chained"][:2]  # A->B, A->C
    via_b = {"origin": chained[0]["copy"], "copy": chained[1]["copy"]}
    scores = evaluate({"reuses": [via_b]}, {**truth, "reuses": chained})
    assert scores["chained"]["found"] == 0 and scores["chained"]["precision"] == 0.0


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


def test_cli_writes_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert corpus.main([str(tmp_path / "cli"), "--articles", "30", "--seed", "4"]) == 0
    truth = json.loads((tmp_path / "cli" / "ground_truth.json").read_text())
    assert len(truth["articles"]) == 30 and truth["spec"]["seed"] == 4
    assert "30 articles" in capsys.readouterr().out
