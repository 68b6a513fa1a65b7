"""A long stock phrase that many unrelated articles use is not reuse; a short sentence two
articles share is."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import AlignConfig, Config

STOCK = "The company did not immediately respond to a request for comment on the matter."
SHARED = "Divers found the missing trawler upright on the seabed forty miles west of the harbour lights."


def _paragraph(rng: random.Random, words: list[str], count: int) -> str:
    return " ".join(rng.choice(words) for _ in range(count)).capitalize() + "."


def _write(root: Path) -> None:
    rng = random.Random(7)
    words = ["".join(rng.choice("bcdfglmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(3000)]
    for i in range(70):
        body = [_paragraph(rng, words, 40), f"{_paragraph(rng, words, 14)} {STOCK} {_paragraph(rng, words, 12)}",
                _paragraph(rng, words, 35)]
        if i in (3, 5):
            body.append(f"{_paragraph(rng, words, 15)} {SHARED} {_paragraph(rng, words, 15)}")
        header = f"https://site{i % 9}.example/2021/03/{1 + i % 28:02d}/story{i}\n['A Writer']\n2021-03-{1 + i % 28:02d} 0{i % 10}:00:00\nTitle {i}\n \n"
        (root / f"a{i:03d}.txt").write_text(header + "\n\n".join(body) + "\n", encoding="utf-8")


def test_a_widely_used_stock_phrase_is_no_finding_but_a_shared_sentence_is(run_cli, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus)
    assert run_cli("scan", str(corpus), "--index", "ix.sqlite").code == 0
    report = json.loads(run_cli("report", "--format", "json", "--index", "ix.sqlite").out)
    texts = {r["copy"]["path"]: (corpus / r["copy"]["path"]).read_text(encoding="utf-8") for r in report["reuses"]}
    copied = [texts[r["copy"]["path"]][r["copy"]["start"] : r["copy"]["end"]] for r in report["reuses"]]
    assert copied == [SHARED], copied
    # The stock phrase did align (12 verbatim words): it is the frequency rule that drops it.
    import sqlite3

    with sqlite3.connect(tmp_path / "ix.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM matches").fetchone()[0] > 20


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=20), min_size=1, max_size=8), st.integers(2, 6), st.data())
def test_masks_of_many_drafts_are_each_drafts_mask(anchor_lists, stock_units, data):
    from provenance.store.drafts import _masks

    def _mask(anchors: np.ndarray, counts: dict[int, int], config: Config) -> bytes:  # one draft's, as first written
        held = np.fromiter((counts.get(int(a), 0) >= config.align.stock_units for a in anchors), dtype=bool,
                           count=len(anchors))
        return np.packbits(held).tobytes()

    config = Config(align=AlignConfig(stock_units=stock_units))
    arrays = [np.asarray(sorted(set(anchors)), dtype="<i8") for anchors in anchor_lists]
    wanted = np.asarray(sorted({a for anchors in anchor_lists for a in anchors} | {99}), dtype=np.int64)
    totals = np.asarray([data.draw(st.integers(0, 8)) for _ in wanted], dtype=np.int64)
    counts = dict(zip(wanted.tolist(), totals.tolist(), strict=True))
    assert _masks(arrays, wanted, totals, config) == [_mask(array, counts, config) for array in arrays]
