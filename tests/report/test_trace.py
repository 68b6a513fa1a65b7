"""``trace`` explains each reused passage: where it was first seen and which origin words it kept."""

from __future__ import annotations

import json

COPY = "002_b5b547b9f015d507.txt"


def test_trace_says_which_origin_words_the_embedded_sentence_kept(run_cli, seeds_dir):
    assert run_cli("scan", str(seeds_dir)).code == 0
    result = run_cli("trace", str(seeds_dir / COPY), "--format", "json")
    assert result.code == 0, result.err
    reused = [p for p in json.loads(result.out)["passages"] if p["status"] == "reused"]
    assert len(reused) == 5
    [embedded] = [s for p in reused for s in p["sources"] if s["kind"] == "contained"]
    assert embedded["dropped"] == ["previously traveled", "Pyongyang"]
    assert embedded["kept_words"] == embedded["origin_words"] - 3
    verbatim = [s for p in reused for s in p["sources"] if s["kind"] == "verbatim"]
    assert all(s["kept_words"] == s["origin_words"] and not s["dropped"] for s in verbatim)
    text = run_cli("trace", str(seeds_dir / COPY)).out
    assert "dropped or changed: previously traveled | Pyongyang" in text
