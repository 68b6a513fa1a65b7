"""The CSV report: one row per reuse, snapshot on the seeds, readable back by polars."""

from __future__ import annotations

import io

import polars as pl

from provenance.report.csv_report import CSV_COLUMNS, render_csv
from provenance.report.select import ReuseFilter, select_reuses
from tests.report.conftest import COPY, ORIGIN, assert_snapshot


def test_seed_csv_snapshot(seed_corpus):
    assert_snapshot("seeds.csv", render_csv(seed_corpus.report))


def test_seed_csv_has_a_row_per_reuse(seed_corpus):
    frame = pl.read_csv(io.StringIO(render_csv(seed_corpus.report)))
    assert frame.columns == list(CSV_COLUMNS)
    assert frame.height == 5
    assert set(frame["origin_path"]) == {ORIGIN} and set(frame["copy_path"]) == {COPY}
    assert sorted(frame["kind"]) == ["contained", "near-duplicate", "verbatim", "verbatim", "verbatim"]
    assert set(frame["lag"]) == {"1 day"} and set(frame["lag_seconds"]) == {86_400}
    assert frame["origin_published"][0] == "2018-05-30T00:00:00Z" and frame["copy_outlet"][0] == "cnn.com"
    texts = seed_corpus.texts
    row = frame.row(0, named=True)
    assert texts[COPY][row["copy_start"] : row["copy_end"]].startswith("The long-time Russian foreign minister")


def test_hostile_text_is_quoted_not_split(hostile_corpus):
    frame = pl.read_csv(io.StringIO(render_csv(hostile_corpus.report)))
    assert frame.height == 1 and frame["lag"][0] == "1 day 2 h"


def test_empty_selection_writes_just_the_header(seed_corpus):
    out = render_csv(select_reuses(seed_corpus.report, ReuseFilter(origin="none*")))
    assert out == ",".join(CSV_COLUMNS) + "\n"
