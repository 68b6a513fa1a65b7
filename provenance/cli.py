"""The ``provenance`` command: a thin click layer over the library.

Each command parses options, makes one library call and renders the result. Every
:class:`~provenance.errors.ProvenanceError` becomes ``error: <message>`` on stderr and its
exit code here, in :func:`main`, and nowhere else.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from provenance._version import __version__
from provenance.cli_check import baseline_command, check_command
from provenance.cli_options import (
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
from provenance.cli_output import emit as _emit
from provenance.cli_output import warn_skipped as _warn
from provenance.cli_progress import ScanDisplay
from provenance.errors import InputError, ProvenanceError, SchemaError
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
from provenance.report.trace import trace_document
from provenance.scan import ScanOptions, scan
from provenance.settings import ConfigFile, matching_differences
from provenance.store.health import (
    check_consistency,
    finish_work,
    integrity_problems,
    unfinished_work,
)
from provenance.store.index import Index

__all__ = ["DEFAULT_INDEX", "cli", "entry", "feed_field_options", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="provenance")
def cli() -> None:
    """Find reused passages across news articles and tell who published them first.

    \b
    Examples:
      provenance scan seeds/            # index the articles, find reuse
      provenance report                 # who copied what from whom
      provenance report --format json -o report.json
      provenance trace seeds/002_b5b547b9f015d507.txt
    """


@cli.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@common_options
@click.option("--default-timezone", default=None, metavar="ZONE",
              help="Zone for timestamps without one: an IANA name or an offset such as +05:00 or UTC-3 (default UTC).")
@click.option("--prune", is_flag=True, help="Drop indexed documents whose files are gone.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=64, show_default=True, help="Documents per transaction.")
@click.option("--max-file-size", type=click.IntRange(1), default=50, show_default=True, metavar="MB",
              help="Skip files larger than this many megabytes (checked before reading).")
@click.option("--strict", is_flag=True, help="Exit 2 if any input was skipped.")
@click.option("--workers", type=click.IntRange(1, 256), default=None, metavar="N",
              help=f"Processes for splitting/shingling/signing (default: cores, at most {MAX_DEFAULT_WORKERS}; 1 = no "
                   "worker processes). Results are identical for any N.")
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
    settings = read_config(config_path)
    index_path = resolve_index(index_path, settings)
    zone = default_timezone or settings.string("default_timezone")
    options = ScanOptions(default_timezone=resolve_timezone(zone), prune=prune, batch_size=batch_size,
                          max_file_size=max_file_size * 1024 * 1024, feed_fields=feed_fields(matching, settings),
                          workers=workers or default_workers(), engine=engine, scheduler=scheduler,
                          workdir=str(workdir) if workdir else None)
    with Index.open(index_path, requested_config(matching, settings)) as index, ScanDisplay(not quiet) as observe:
        summary = scan(paths, index, options, warn=_warn, observe=observe)
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


@cli.command("report")
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
        _emit(report_schema_text(), Path(output) if output else None)
        return
    show_all = filters["limit"] is not None  # --limit N (or 0): the text view shows every selected reuse
    reuse_filter = report_filter(filters)
    settings = read_config(config_path)
    index_path = resolve_index(index_path, settings)
    fmt, target, as_site = report_destination(fmt, output, open_browser)
    terminal = target is None and not open_browser and sys.stdout.isatty()
    with Index.open(index_path, readonly=True) as index:
        _warn_matching(settings, index)
        _warn_unfinished(index)
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
    _emit(rendered, target)


@cli.command("trace")
@click.argument("file")
@common_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def trace_command(file: str, index_path: Path | None, config_path: Path | None, quiet: bool, fmt: str) -> None:
    """For each passage of one article: original here, or first seen where and when.

    FILE is one article, or FILE#N for record N of a feed. A warning says when the file
    changed since it was scanned (the trace shows the scanned version).

    \b
    Examples:
      provenance trace seeds/002_b5b547b9f015d507.txt
      provenance trace feeds/today.jsonl#3 --format json
    """
    settings = read_config(config_path)
    with Index.open(resolve_index(index_path, settings), readonly=True) as index:
        _warn_matching(settings, index)
        _warn_unfinished(index)
        meta, traces = trace_document(index, file)
    if meta.get("changed_since_scan"):
        click.echo(f"warning: {file}: {meta['changed_since_scan']}; this trace shows the scanned version "
                   f"(rescan it with 'provenance scan')", err=True)
    if fmt == "json":
        data = {**meta, "passages": [_trace_dict(t) for t in traces]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{meta['path']}  {meta['title'] or ''}  published {meta['published'] or 'undated'}")
    for item in traces:
        preview = " ".join(item.text.split())[:90]
        if item.status == "reused":
            source = item.sources[0]
            where = (f"first seen in {source['path']} ({source['published'] or 'undated'}), {source['kind']} "
                     f"{source['similarity']:.2f}, kept {source['kept_words']} of {source['origin_words']} origin words")
            if source["dropped"]:
                where += "; dropped or changed: " + " | ".join(" ".join(d.split()) for d in source["dropped"][:3])
            if not source["origin_certain"]:
                where += ", origin uncertain"
        elif item.status == "original" and item.reused_by:
            where = f"original here, reused {item.reused_by} time(s) elsewhere"
        else:
            where = {"original": "original here", "boilerplate": "boilerplate", "too-short": "too short to match"}[item.status]
        click.echo(f"[{item.start}:{item.end}] {where}\n    {preview}")


@cli.command("doctor")
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
    index_path = resolve_index(index_path, read_config(config_path))
    with Index.open(index_path, readonly=not repair) as index:
        if repair:
            repaired = finish_work(index)
            if not quiet:
                click.echo(f"{index_path}: repaired: {repaired.describe()}")
        problems = integrity_problems(index) + check_consistency(index, deep=not quick)
        documents = index.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        last = index.connection.execute("SELECT finished FROM scans ORDER BY id DESC LIMIT 1").fetchone()
        pending = unfinished_work(index).pending_passages
    if problems:
        raise SchemaError(f"{index_path}: {len(problems)} problem(s): " + "; ".join(problems[:20]))
    waiting = (f"; {pending} passages not matched yet (an interrupted scan): 'provenance doctor --repair' or the next "
               "scan matches them") if pending else ""
    if not quiet:
        click.echo(f"{index_path}: OK ({documents} documents, last scan {last[0] if last else 'never'}{waiting})")


def _warn_unfinished(index: Index) -> None:
    """Say on stderr when an interrupted scan left work undone: the output misses reuse."""
    if message := unfinished_work(index).warning(index.path):
        click.echo(f"warning: {message}", err=True)


def _trace_dict(item: Any) -> dict[str, Any]:
    return {"start": item.start, "end": item.end, "status": item.status, "sources": list(item.sources), "reused_by": item.reused_by}


def _warn_matching(settings: ConfigFile, index: Index) -> None:
    """Readers use the index's own matching configuration; say so when the config file asks for another."""
    differences = matching_differences(settings, index.config)
    if differences:
        click.echo(f"warning: {index.path} was built with other matching options than {settings.name}'s [matching] "
                   f"({differences}); 'provenance scan' refuses it until you rebuild into a fresh --index", err=True)


def _one_line(message: str) -> str:
    """Errors are one line, even when SQLite's own diagnostics span several."""
    return " | ".join(line.strip() for line in message.splitlines() if line.strip())


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler instead of KeyboardInterrupt: click would print
    a stray newline for a KeyboardInterrupt, and BaseException still rolls back an open
    transaction on its way out."""


def _on_sigint(signum: int, frame: object) -> None:
    raise Interrupted


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to one-line messages and exit codes."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        # A command may return its exit code (``check``: 1 when findings fail it).
        code = cli.main(args=argv, prog_name="provenance", standalone_mode=False)
    except Interrupted:
        click.echo("interrupted: nothing half-written; the index holds what was committed", err=True)
        return 130
    except ProvenanceError as exc:
        click.echo(f"error: {_one_line(str(exc))}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("interrupted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2 if exc.exit_code in (1, 2) else exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted: nothing half-written; the index holds what was committed", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("PROVENANCE_DEBUG"):
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {_one_line(str(exc))} (set PROVENANCE_DEBUG=1 for a traceback and please report it)", err=True)
        return 2
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)
    return code if isinstance(code, int) else 0


# The CI commands live in their own module and are registered here: imports point one way.
cli.add_command(check_command)
cli.add_command(baseline_command)


def entry() -> None:
    sys.exit(main())
