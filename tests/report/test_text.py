"""The terminal view: summary first, colour only on a terminal, no hard wraps when piped."""

from __future__ import annotations

import re

import pytest

from provenance.report.select import ReuseFilter, select_reuses
from provenance.report.text import format_lag, render_text

LONG_SENTENCE = "[-Even though-]{+However despite+} the [-two-]{+fact that Russia and North Korea+} nations established"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "?"), (0, "+0 min"), (59, "+0 min"), (600, "+10 min"), (86_400, "+1 day"),
     (93_600, "+1 day 2 h"), (2 * 86_400 + 1800, "+2 days"), (7_500, "+2 h 5 min"), (-3600, "-1 h")],
)
def test_format_lag(seconds, expected):
    assert format_lag(seconds) == expected


def test_piped_output_has_no_colour_and_no_hard_wraps(seed_corpus, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = render_text(seed_corpus.report, seed_corpus.texts)
    assert "\x1b[" not in out
    assert LONG_SENTENCE in out  # the whole diff of a passage stays on one line
    assert "https://www.cnn.com/2018/05/30/asia/russia-foreign-minister-north-korea-intl/index.html\n" in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_summary_comes_first_and_fits_one_screen(seed_corpus):
    out = render_text(seed_corpus.report, seed_corpus.texts)
    head = out.split("ORIGIN", 1)[0]
    for label in ("documents", "passages", "reused passages", "clusters", "boilerplate passages", "undated documents"):
        assert label in head
    assert re.search(r"\ncnn\.com +cnn\.com +5 +1\n", head)  # who took text from whom, by outlet
    assert re.search(r"\n +1 +cnn\.com · Russia's foreign minister is head.*2018-05-30 +1 +5\n", head)  # by outlet and headline
    assert len(head.splitlines()) <= 24 and max(len(line) for line in head.splitlines()) <= 80


def test_terminal_output_is_coloured_and_fits_the_width(seed_corpus, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = render_text(seed_corpus.report, seed_corpus.texts, terminal=True, width=72)
    assert "\x1b[" in out
    plain = render_text(seed_corpus.report, seed_corpus.texts, terminal=True, width=72, color=False)
    assert "\x1b[" not in plain
    assert max(len(line) for line in plain.splitlines()) <= 72
    assert "[-Even though-]" in plain


def test_no_color_environment_wins_on_a_terminal(seed_corpus, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render_text(seed_corpus.report, seed_corpus.texts, terminal=True, width=100)


def test_every_seed_reuse_is_shown_with_kind_and_lag(seed_corpus):
    out = render_text(seed_corpus.report, seed_corpus.texts)
    assert out.count("verbatim 1.00") == 3 and "near-duplicate 0.79" in out and "contained 0.74" in out
    assert "lag +1 day" in out and out.count("identical words") == 3
    assert "has [-previously traveled-]{+been+} to [-Pyongyang-]{+the North Korean capital before+}," in out


def test_filtered_view_says_what_it_shows(seed_corpus):
    report = select_reuses(seed_corpus.report, ReuseFilter(limit=2))
    out = render_text(report, seed_corpus.texts)
    assert "showing 2 of 5 reuses" in out and out.count("→ copy [") == 2
    nothing = render_text(select_reuses(seed_corpus.report, ReuseFilter(copy="nope*")), seed_corpus.texts)
    assert "No reuses match the filters (5 in the index)." in nothing


def test_top_origins_in_full_and_a_note_for_the_rest(generated_corpus):
    from provenance.report.overview import build_overview

    report = generated_corpus.report
    origins = build_overview(report).origins
    out = render_text(report, generated_corpus.texts, top=3, rows=5)
    assert out.count("\nORIGIN ") == 3
    assert f"{len(origins) - 3} more — use --limit 0 to show them all" in out
    head = out.split("\nORIGIN ", 1)[0]
    assert max(len(line) for line in head.splitlines()) <= 80  # the overview fits 80 columns, piped too
    assert re.search(r"… \d+ more outlet pairs", head) and f"… {len(origins) - 5} more origin articles" in head
    first = out.split("\nORIGIN ", 2)[1].splitlines()[0]
    best = origins[0].origin
    assert first == f"{best['site']} · {best['title']}"  # the most reused first, by outlet and headline
    assert render_text(report, generated_corpus.texts).count("\nORIGIN ") == len(origins)  # no top: every origin


def test_pager_only_for_more_than_a_screen(monkeypatch, capsys):
    import os

    import click

    from provenance.report import render

    paged: list[str] = []
    monkeypatch.setattr(click, "echo_via_pager", lambda text, **kwargs: paged.append(text))
    monkeypatch.setattr(render.shutil, "get_terminal_size", lambda fallback=None: os.terminal_size((80, 10)))
    render.page_text("short\n" * 5)
    assert capsys.readouterr().out == "short\n" * 5 and paged == []
    render.page_text("long\n" * 50)
    assert paged == ["long\n" * 50] and capsys.readouterr().out == ""
