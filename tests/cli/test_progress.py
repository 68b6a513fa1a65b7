"""The scan's progress: phases and counts from the library, a rich display on terminals only."""

from __future__ import annotations

import io
import itertools

from rich.console import Console

from provenance import Index, ScanOptions, scan
from provenance.cli.progress import ScanDisplay
from provenance.scanning import ScanProgress
from tests.conftest import prose


def test_a_scan_reports_its_phases_and_a_real_total(tmp_path, write_article):
    for n in range(5):
        write_article(f"{n}.txt", None, None, f"Title {n}", [prose(n), prose(n + 10)])
    seen: list[ScanProgress] = []

    def observe(state: ScanProgress) -> None:
        seen.append(ScanProgress(state.phase, state.files, state.files_total, state.articles, state.passages))

    with Index.open(tmp_path / "ix.sqlite") as index:
        scan([tmp_path / "corpus"], index, ScanOptions(workers=1, batch_size=2), observe=observe)
    phases = [phase for phase, _ in itertools.groupby(state.phase for state in seen)]
    assert phases == ["loading", "matching", "refreshing findings"]
    loading = [state for state in seen if state.phase == "loading"]
    assert all(state.files_total == 5 for state in loading)  # known before the first file is read
    assert [state.files for state in loading if state.files][-1] == 5 and loading[-1].articles == 5
    assert seen[-1].passages == 10  # two paragraphs each, counted as batches are written


def test_the_display_shows_files_of_total_counts_a_rate_and_an_eta():
    now = [0.0]  # a fake clock, moved by hand: the rate and the ETA are exact
    console = Console(file=io.StringIO(), force_terminal=True, width=200, record=True)
    with ScanDisplay(console=console, clock=lambda: now[0]) as observe:
        assert observe is not None
        observe(ScanProgress("loading", 1, 10, 1, 12))
        now[0] = 2.0
        observe(ScanProgress("loading", 5, 10, 5, 60))
    text = console.export_text()
    assert "loading" in text and "5/10 files · 5 articles · 60 passages · 2.0 files/s · ETA 0:00:03" in text


def test_later_phases_have_no_total_and_keep_the_counts():
    console = Console(file=io.StringIO(), force_terminal=True, width=200, record=True)
    with ScanDisplay(console=console) as observe:
        assert observe is not None
        observe(ScanProgress("loading", 2, 2, 2, 7))
        observe(ScanProgress("matching", 2, 2, 2, 7))
        observe(ScanProgress("refreshing findings", 2, 2, 2, 7))
    final = console.export_text()
    assert "matching" in final and "refreshing findings" in final and "2 articles · 7 passages" in final


def test_no_display_off_a_terminal_or_when_quiet():
    with ScanDisplay(stream=io.StringIO()) as observe:
        assert observe is None
    console = Console(file=io.StringIO(), force_terminal=True)
    with ScanDisplay(enabled=False, console=console) as observe:
        assert observe is None


def test_scan_prints_no_progress_when_stderr_is_not_a_terminal(run_cli, seeds_dir):
    result = run_cli("scan", str(seeds_dir))
    assert result.code == 0 and result.err == ""
