"""The commands that build and read an index: ``scan``, ``report``, ``trace``, ``doctor``.

Each parses its options, makes one library call and renders the result; errors are
mapped to messages and exit codes in :func:`provenance.cli.app.main`. ``provenance
--help`` imports this module to list the commands, and every command pays for what it
imports at module level, so the library modules only one command uses (the scan and
its progress display, the doctor's checks) are imported inside that command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from provenance.cli.options import (
    DEFAULT_INDEX,
    common_options,
    feed_field_options,
    feed_fields,
    index_given_on_command_line,
    matching_options,
    read_config,
    report_destination,
    report_filter,
    report_filter_options,
    report_view_options,
    requested_config,
    resolve_index,
)
from provenance.cli.output import emit, warn_matching, warn_skipped, warn_unfinished
from provenance.errors import InputError, SchemaError
from provenance.execution import MAX_DEFAULT_WORKERS, default_workers
from provenance.ingest.dates import resolve_timezone
from provenance.report.render import (
    FORMATS,
    TOP_ROWS,
    open_file,
    page_text,
    render_report,
    write_html,
    write_parquet,
)
from provenance.report.schema import report_schema_text
from provenance.report.trace import find_document, render_trace, trace_document, trace_unindexed
from provenance.store.index import Index

__all__ = ["doctor_command", "report_command", "scan_command", "trace_command"]


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@common_options
@click.option("--default-timezone", default=None, metavar="ZONE",
              help="Zone for timestamps without one: an IANA name or an offset such as +05:00 or UTC-3 (default UTC).")
@click.option("--prune", is_flag=True, help="Drop indexed documents whose files are gone.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=256, show_default=True, help="Documents per transaction.")
@click.option("--max-file-size", type=click.IntRange(1), default=50, show_default=True, metavar="MB",
              help="Skip files larger than this many megabytes (checked before reading).")
@click.option("--strict", is_flag=True, help="Exit 2 if any input was skipped.")
@click.option("--workers", type=click.IntRange(1, 256), default=None, metavar="N",
              help="Processes for splitting/shingling/signing (default 1: this process, on every core through the "
                   f"native core's threads; with --engine dask: cores, at most {MAX_DEFAULT_WORKERS}). Results are "
                   "identical for any N.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the per-document stages run: this machine, or a Dask cluster (pip install "
                   "'passage-provenance[dask]'). Same index either way.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="With --engine dask: a running Dask scheduler (tcp://host:8786) instead of a local "
                   "cluster of --workers processes.")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Keep each batch's stage output as Parquet shards here; a rerun skips complete shards.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object (keys in the README).")
@matching_options
@feed_field_options
def scan_command(paths: tuple[Path, ...], index_path: Path | None, config_path: Path | None, quiet: bool,
                 default_timezone: str | None, prune: bool, batch_size: int, max_file_size: int, strict: bool,
                 workers: int | None, engine: str, scheduler: str | None, workdir: Path | None, as_json: bool,
                 **matching: Any) -> None:
    """Scan folders or files of articles (.txt/.md, or feeds: .jsonl/.csv/.parquet) into the index.

    Unchanged files are skipped, changed files replace their passages, and findings are
    recomputed so an earlier-dated article added later becomes the origin. A PATH holding
    no article is an error (exit 2) unless another PATH holds some (then a warning).
    Defaults for --index, --default-timezone, the feed fields and the matching options
    ([matching]) come from the config file; flags win.

    \b
    Examples:
      provenance scan seeds/
      provenance scan archive/ --index news.sqlite --default-timezone America/New_York
      provenance scan archive/ --prune
      provenance scan archive/ --workers 1      # no worker processes
      provenance scan feeds/ --text-field story --date-field pubdate
      provenance scan archive/ --engine dask --workers 4
      provenance scan archive/ --engine dask --scheduler tcp://10.0.0.5:8786
      provenance scan archive/ --json -q         # a machine-readable summary, no progress
    """
    from provenance.cli.progress import ScanDisplay
    from provenance.scanning import ScanOptions, scan_into

    settings = read_config(config_path)
    index_path = resolve_index(index_path, settings)
    zone = default_timezone or settings.string("default_timezone")
    options = ScanOptions(default_timezone=resolve_timezone(zone), prune=prune, batch_size=batch_size,
                          max_file_size=max_file_size * 1024 * 1024, feed_fields=feed_fields(matching, settings),
                          workers=workers or (default_workers() if engine == "dask" else 1), engine=engine,
                          scheduler=scheduler,
                          workdir=str(workdir) if workdir else None)
    config = requested_config(matching, settings)
    with ScanDisplay(not quiet) as observe:
        summary = scan_into(index_path, paths, options, config, warn=warn_skipped, observe=observe)
    if as_json:
        click.echo(json.dumps({"index": str(index_path), **summary.to_dict()}, ensure_ascii=False))
    elif not quiet:
        skipped = f", {len(summary.skipped)} skipped" if summary.skipped else ""
        removed = f", {summary.removed} removed" if summary.removed else ""
        again = f" --index {index_path}" if index_given_on_command_line() and str(index_path) != DEFAULT_INDEX else ""
        again += f" --config {config_path}" if config_path else ""
        click.echo(
            f"Scanned {summary.seen} documents: {summary.added} added, {summary.changed} changed, "
            f"{summary.unchanged} unchanged{removed}{skipped}. {summary.findings} reused passages in the index "
            f"{index_path}. Next: provenance report{again}"
        )
    if strict and summary.skipped:
        raise InputError(f"{len(summary.skipped)} input(s) skipped and --strict was given (see the warnings above)")


@click.command("report")
@common_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (terminal view), json (schema v1), markdown (GitHub), csv (a row per reuse), "
                   "html (one page, or a site with -o DIR/), parquet (a row per reuse with texts).")
@click.option("-o", "--output", type=click.Path(), help="Write to a file instead of stdout; for html, a folder (DIR/) gets a site.")
@report_filter_options
@report_view_options
@click.option("--schema", is_flag=True, help="Print the JSON Schema that --format json follows (to -o or stdout) and stop.")
def report_command(index_path: Path | None, config_path: Path | None, quiet: bool, fmt: str, output: str | None,
                   top: int | None, include_text: bool, open_browser: bool, no_pager: bool, schema: bool,
                   **filters: Any) -> None:
    """Report reused passages from the index (no rescanning): overview first, then detail.

    --origin, --copy, --kind, --min-similarity, --since/--until (the copy's publication),
    --outlet and --limit select the reuses shown, in every format; the summary always
    counts the whole index. The text view shows the 10 most reused origin articles in
    full (--limit 0: all) and pages on a terminal.

    \b
    Examples:
      provenance report
      provenance report --origin 'cnn/*' --limit 10
      provenance report --outlet reuters.com --since 2024-03-01 --kind verbatim
      provenance report --format html -o report/          # a site: report/index.html
      provenance report --format html -o report.html      # one page, small indexes
      provenance report --open
      provenance report --format markdown >> "$GITHUB_STEP_SUMMARY"
      provenance report --format csv --include-text -o reuses.csv
      provenance report --format parquet -o reuses.parquet
      provenance report --format json -o report.json
      provenance report --schema > report.schema.json
    """
    if schema:
        emit(report_schema_text(), Path(output) if output else None)
        return
    show_all = filters["limit"] is not None  # --limit N (or 0): the text view shows every selected reuse
    reuse_filter = report_filter(filters)
    settings = read_config(config_path)
    index_path = resolve_index(index_path, settings)
    fmt, target, as_site = report_destination(fmt, output, open_browser)
    terminal = target is None and not open_browser and sys.stdout.isatty()
    with Index.open(index_path, readonly=True) as index, index.snapshot():
        warn_matching(settings, index)
        warn_unfinished(index)
        if fmt == "parquet":
            write_parquet(index, target, reuse_filter)
            return
        if as_site or open_browser:
            written = write_html(index, target, reuse_filter, site=as_site)
        else:
            rendered = render_report(index, fmt, reuse_filter, include_text=include_text, terminal=terminal,
                                     top=None if show_all else top or TOP_ROWS, rows=top or TOP_ROWS)
    if as_site or open_browser:
        opened = open_file(written.path) if open_browser else False
        if not quiet or (open_browser and not opened):
            click.echo(written.describe() + ("" if opened or not open_browser else "; no browser could be started, open it from there"))
        return
    if terminal and fmt == "text" and not no_pager:
        page_text(rendered)
        return
    emit(rendered, target)


@click.command("trace")
@click.argument("file")
@common_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def trace_command(file: str, index_path: Path | None, config_path: Path | None, quiet: bool, fmt: str) -> None:
    """For each passage of one article: original here, or first seen where and when.

    FILE is one article, FILE#N for record N of a feed, or - for text on stdin. An
    article not in the index is traced as if it had been scanned, without adding it
    (the index is left as it was). A warning says when an indexed file changed since it
    was scanned (the trace shows the scanned version).

    \b
    Examples:
      provenance trace seeds/002_b5b547b9f015d507.txt
      provenance trace feeds/today.jsonl#3 --format json
      pbpaste | provenance trace -          # where did this paragraph come from?
    """
    settings = read_config(config_path)
    path = resolve_index(index_path, settings)
    found = None
    if file != "-":
        with Index.open(path, readonly=True) as index, index.snapshot():
            warn_matching(settings, index)
            warn_unfinished(index)
            found = find_document(index, file)
            if found is not None:
                meta, traces = trace_document(index, file, found)
    if found is None:
        if file == "-":
            meta, traces = trace_unindexed(path, None, sys.stdin.buffer.read(), "-")
        else:
            if not Path(file).is_file():
                raise InputError(f"{file}: not in the index and no such file; give an article's path, FILE#N for an "
                                 "indexed feed record, or - for stdin")
            meta, traces = trace_unindexed(path, Path(file), None, file)
            if not quiet:
                click.echo(f"note: {file} is not in the index; traced as if scanned, without adding it", err=True)
    if meta.get("changed_since_scan"):
        click.echo(f"warning: {file}: {meta['changed_since_scan']}; this trace shows the scanned version "
                   f"(rescan it with 'provenance scan')", err=True)
    click.echo(render_trace(meta, traces, fmt), nl=False)


@click.command("doctor")
@common_options
@click.option("--quick", is_flag=True, help="Skip re-processing every document's text.")
@click.option("--repair", is_flag=True, help="Finish what an interrupted scan left (match pending passages, recompute "
              "findings) and mend damage earlier versions left, then check. Opens the index for writing.")
def doctor_command(index_path: Path | None, config_path: Path | None, quiet: bool, quick: bool, repair: bool) -> None:
    """Check an index: SQLite integrity and the index's own consistency.

    Opens read-only unless --repair is given. Exit 0 when sound, 2 (with one line per
    problem) otherwise.

    \b
    Examples:
      provenance doctor --index cached-provenance.sqlite
      provenance doctor --repair      # after an interrupted scan
    """
    from provenance.store.health import diagnose, finish_work

    index_path = resolve_index(index_path, read_config(config_path))
    with Index.open(index_path, readonly=not repair) as index:
        if repair:
            repaired = finish_work(index)
            if not quiet:
                click.echo(f"{index_path}: repaired: {repaired.describe()}")
        diagnosis = diagnose(index, deep=not quick)
    problems, pending = diagnosis.problems, diagnosis.pending_passages
    if problems:
        raise SchemaError(f"{index_path}: {len(problems)} problem(s): " + "; ".join(problems[:20]))
    waiting = (f"; {pending} passages not matched yet (an interrupted scan): 'provenance doctor --repair' or the next "
               "scan matches them") if pending else ""
    if diagnosis.scan_running:
        waiting = f"; a scan is writing it now{f', {pending} passages not matched yet' if pending else ''}"
    if not quiet:
        click.echo(f"{index_path}: OK ({diagnosis.documents} documents, last scan {diagnosis.last_scan or 'never'}{waiting})")
