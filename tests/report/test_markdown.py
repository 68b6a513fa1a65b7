"""The Markdown report: snapshot on the seeds, escaping, size limit for PR comments."""

from __future__ import annotations

from provenance.report.markdown import escape_markdown, render_markdown
from provenance.report.select import ReuseFilter, select_reuses
from tests.report.conftest import assert_snapshot


def test_seed_markdown_snapshot(seed_corpus):
    assert_snapshot("seeds.md", render_markdown(seed_corpus.report, seed_corpus.texts))


def test_seed_markdown_quotes_every_reuse_with_its_edits(seed_corpus):
    out = render_markdown(seed_corpus.report, seed_corpus.texts)
    assert out.count("\n> ") == 5 and out.count("| verbatim | 1.00 | +1 day |") == 3
    assert "> ~~Even though~~**However despite** the ~~two~~**fact that Russia and North Korea** nations" in out
    assert "### Russia's foreign minister is headed to North Korea" in out


def test_escaping_keeps_text_literal():
    assert escape_markdown("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert escape_markdown("a | b *c* _d_ [e](f) `g` ~h~") == r"a \| b \*c\* \_d\_ \[e\](f) \`g\` \~h\~"
    assert escape_markdown("# not a heading") == r"\# not a heading"
    assert escape_markdown("1. not a list") == r"1\. not a list"
    assert escape_markdown("two\nlines\r\n") == "two lines"


def test_hostile_text_cannot_break_out(hostile_corpus):
    out = render_markdown(hostile_corpus.report, hostile_corpus.texts)
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;window" in out and r"\| with \*stars\*" in out
    table_rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(table_rows) == 1 and table_rows[0].count(" | ") == 6


def test_long_reports_are_cut_to_fit_a_comment(seed_corpus):
    out = render_markdown(seed_corpus.report, seed_corpus.texts, max_chars=2500)
    assert len(out) <= 2500 + 200 and "more reuses left out to fit" in out


def test_filtered_and_empty_reports(seed_corpus):
    out = render_markdown(select_reuses(seed_corpus.report, ReuseFilter(limit=1)), seed_corpus.texts)
    assert "Showing 1 of 5 reuses (filtered)." in out and out.count("\n> ") == 1
    none = render_markdown(select_reuses(seed_corpus.report, ReuseFilter(origin="x*")), seed_corpus.texts)
    assert "No reuses match the filters." in none
