"""The seed expectation from the core issue, through the CLI, validated by the schema."""

from __future__ import annotations

import jsonschema

ORIGIN, COPY = "000_ab536e0c04d75c66.txt", "002_b5b547b9f015d507.txt"
EXPECTED = [  # (origin opening, copy opening, kind)
    ("Russia has far less influence", "Russia has far less influence", "verbatim"),
    ("During the Cold War", "During the Cold War", "verbatim"),
    ("That all ended in 1991", "That all ended in 1991", "verbatim"),
    ("Even though the two nations", "However despite the fact that", "near-duplicate"),
    ("The long-time Russian foreign minister", "The long-time Russian foreign minister", "contained"),
]


def test_seed_report_has_exactly_the_five_bechtol_reuses(run_cli, seeds_dir, report_schema):
    assert run_cli("scan", str(seeds_dir)).code == 0
    result = run_cli("report", "--format", "json")
    assert result.code == 0, result.err
    report = result.json()
    jsonschema.validate(report, report_schema)
    texts = {p: (seeds_dir / p).read_text(encoding="utf-8") for p in (ORIGIN, COPY)}
    pairs = [(r["origin"]["path"], r["copy"]["path"]) for r in report["reuses"]]
    assert pairs == [(ORIGIN, COPY)] * 5, pairs
    found = [
        (texts[ORIGIN][r["origin"]["start"] : r["origin"]["end"]], texts[COPY][r["copy"]["start"] : r["copy"]["end"]], r)
        for r in report["reuses"]
    ]
    assert len(found) == 5
    for origin_open, copy_open, kind in EXPECTED:
        matches = [r for o, c, r in found if o.lstrip("\"").startswith(origin_open) and c.lstrip("\"").startswith(copy_open)]
        assert len(matches) == 1, (origin_open, [(o[:40], c[:40]) for o, c, _ in found])
        assert matches[0]["kind"] == kind
        assert matches[0]["origin_certain"] is True


def test_embedded_sentence_is_reported_as_a_span_inside_the_longer_paragraph(run_cli, seeds_dir):
    run_cli("scan", str(seeds_dir))
    report = run_cli("report", "--format", "json").json()
    text = (seeds_dir / COPY).read_text(encoding="utf-8")
    paragraph_start = text.index("On Thursday during his visit")
    paragraph_end = text.index("\n", paragraph_start)
    contained = [r for r in report["reuses"] if r["kind"] == "contained"]
    assert len(contained) == 1
    span = contained[0]["copy"]
    assert paragraph_start < span["start"] < span["end"] < paragraph_end
    assert text[span["start"] : span["end"]].endswith("North Korean disarmament.")


def test_video_promos_are_boilerplate_not_reuse(run_cli, seeds_dir):
    run_cli("scan", str(seeds_dir))
    report = run_cli("report", "--format", "json").json()
    promos = [b for b in report["boilerplate"] if b["text"].startswith("JUST WATCHED")]
    assert len(promos) == 2 and all(o["path"] == ORIGIN for b in promos for o in b["occurrences"])
    reused_texts = [(seeds_dir / r["copy"]["path"]).read_text()[r["copy"]["start"] : r["copy"]["end"]] for r in report["reuses"]]
    assert not any("Replay More Videos" in t for t in reused_texts)


def test_seed_metadata_is_parsed_from_headers_and_undated_files_stay_undated(run_cli, seeds_dir):
    run_cli("scan", str(seeds_dir))
    documents = {d["path"]: d for d in run_cli("report", "--format", "json").json()["documents"]}
    assert documents[ORIGIN]["published"] == "2018-05-30T00:00:00Z"
    assert documents[ORIGIN]["authors"] == ["Jamie Tarabay"]
    assert documents[COPY]["title"].startswith("Russian foreign minister meets Kim Jong Un")
    undated = sorted(p for p, d in documents.items() if d["published"] is None)
    assert undated == ["001_b77d596b9927dac5.txt", "003_728ded5b6e0fd655.txt", "004_079f0a82df452e4b.txt"]
    assert documents["004_079f0a82df452e4b.txt"]["title"] == "Moscow and Pyongyang: first contact (VIDEO)"
