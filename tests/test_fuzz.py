"""Arbitrary bytes and Unicode through loading, splitting, normalisation and matching:
no exception escapes, and every reported offset pair slices the original text.

Deeper runs: ``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import Config, Index, scan
from provenance.cli import main
from provenance.errors import DecodeError
from provenance.ingest.load import decode_bytes, parse_header
from provenance.pipeline.build import process_document
from provenance.records import Document
from provenance.report.model import build_report
from provenance.store import keyruns
from provenance.store.health import check_consistency
from tests.conftest import prose

PIECES = st.sampled_from([
    "\x00", "\u200f", "\u202e", "e\u0301", "\u0915\u094d\u0937", "😀", "🇷🇺", "ðŸ‡·ðŸ‡º", "â€™", "\r\n", "\r", "\n", "\n\n",
    " \n", "\u00a0", "Mr.", "U.S.", ". ", "! ", "? ", '"', "“", "”", "word ", "Another sentence here. ",
    "https://x.example/2018/05/30/a\n", "['A']\n", "2018-05-30 00:00:00\n", "Title\n", " \n",
])
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=600),
    st.lists(PIECES, max_size=60).map("".join),
    st.builds(lambda word, n: (word + " ") * n, st.sampled_from(["a", "longword", "ü"]), st.integers(0, 2500)),
)


def _document(text: str) -> Document:
    document = Document(path="f.txt", source="/f.txt", text=text, content_hash="x", encoding="utf-8")
    parse_header(text, document)
    return document


@given(st.binary(max_size=2048))
@settings(max_examples=300)
def test_any_bytes_decode_or_fail_cleanly(raw):
    try:
        text, encoding = decode_bytes(raw)
    except DecodeError:
        return
    assert isinstance(text, str) and encoding


@given(TEXT)
@settings(max_examples=300)
def test_pipeline_offsets_always_slice_the_text(text):
    processed = process_document(_document(text), Config())
    assert 0 <= processed.document.body_start <= len(text)
    for paragraph in processed.paragraphs:
        assert 0 <= paragraph.start < paragraph.end <= len(text)
        for start, end in paragraph.segments:
            assert paragraph.start <= start < end <= paragraph.end
    for unit in processed.units:
        assert 0 <= unit.start < unit.end <= len(text)
        assert unit.shingles.dtype == np.uint32 and np.all(np.diff(unit.shingles.astype(np.int64)) > 0)
    assert processed.keys.shape[0] == len(processed.units)


@given(TEXT, TEXT, st.sampled_from(["\n\n", " ", ""]))
@settings(max_examples=25)
def test_matching_fuzzed_articles_reports_spans_that_slice(tmp_path_factory, left, right, glue):
    shared = "The shared passage keeps enough ordinary words to be matched across both files. "
    root: Path = tmp_path_factory.mktemp("fuzz")
    texts = {"a.txt": left + glue + shared * 2, "b.txt": shared * 2 + glue + right}
    for name, text in texts.items():
        (root / name).write_text(text, encoding="utf-8", errors="surrogatepass", newline="")
    with Index.open(root / "index.sqlite") as index:
        scan([root], index)
        report = build_report(index, include_text=True)
    for reuse in report["reuses"]:
        for side in ("origin", "copy"):
            span = reuse[side]
            text = texts[span["path"]]
            assert 0 <= span["start"] < span["end"] <= len(text)
            assert text[span["start"] : span["end"]] == span["text"]


STUB = st.sampled_from([
    "Short note.", "Breaking: more soon.", "", " \n\n ", "Subscribe to our newsletter.",
    "Subscribe to our newsletter.\n\nShare this article.", "Photo: AP", "Title\n\nUpdated.",
])


def _normal(seed: int) -> str:
    return f"{prose(seed)}\n\n{prose(seed + 1)}\n\n{prose(0)}"  # prose(0) is shared by every normal article


# A stub batch always holds one short article: a folder of empty files alone is "nothing to check".
STUB_BATCH = st.lists(STUB, max_size=3).map(lambda texts: ["Short note.", *texts])


@given(st.lists(st.one_of(STUB_BATCH, st.integers(1, 50)), min_size=1, max_size=3))
@settings(max_examples=8)
def test_scans_of_stub_empty_and_boilerplate_batches_never_break_the_index(tmp_path_factory, steps):
    """Issue 11, item 1: batches holding nothing to match, between normal scans, never
    write an empty key run and every later scan, check and report works."""
    root: Path = tmp_path_factory.mktemp("stubs")
    index = str(root / "index.sqlite")
    for number, step in enumerate(steps):
        folder = root / f"step{number}"
        folder.mkdir()
        texts = step if isinstance(step, list) else [_normal(step)]
        for position, text in enumerate(texts):
            (folder / f"{position}.txt").write_text(text, encoding="utf-8")
        if isinstance(step, list):
            (folder / "feed.jsonl").write_text("".join(f'{{"text": {json.dumps(text)}}}\n' for text in texts))
        assert main(["scan", str(folder), "--index", index, "--batch-size", "2", "--workers", "1", "-q"]) == 0
        with Index.open(index, readonly=True) as opened:
            assert all(run.size > 0 for run in keyruns.runs(opened.connection))
            assert check_consistency(opened, deep=False) == []
    assert main(["check", str(root / "step0"), "--index", index]) in (0, 1)
    assert main(["report", "--index", index, "--format", "json"]) == 0
