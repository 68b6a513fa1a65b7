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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from provenance import __version__
from provenance.config import Config
from provenance.errors import InputError, ProvenanceError, SchemaError
from provenance.execution import MAX_DEFAULT_WORKERS, default_workers
from provenance.pipeline.dates import resolve_timezone
from provenance.pipeline.feeds import FeedFields
from provenance.pipeline.load import Skipped
from provenance.report.render import FORMATS, ReuseFilter, open_in_browser, render_report
from provenance.report.trace import trace_document
from provenance.scan import ScanOptions, scan
from provenance.store.health import check_consistency, integrity_problems
from provenance.store.index import Index
from provenance.store.matching import pending_units

DEFAULT_INDEX = "provenance.sqlite"

_MATCHING_OPTIONS: dict[str, tuple[str, type, str]] = {
    "shingle_size": ("shingle.size", int, "Words per shingle (default 3)."),
    "num_perm": ("minhash.num_perm", int, "MinHash permutations (default 128)."),
    "seed": ("minhash.seed", int, "MinHash seed (default 1, as datasketch)."),
    "lsh_threshold": ("lsh.threshold", float, "Jaccard threshold LSH bands are tuned for (default 0.3)."),
    "min_similarity": ("verify.min_similarity", float, "Exact word-shingle Jaccard a match needs (default 0.5)."),
    "min_words": ("segment.min_words", int, "Shortest passage or sentence run matched, in words (default 8)."),
    "boilerplate_min_docs": ("boilerplate.min_documents", int, "Articles of one site repeating a line to call it boilerplate (default 4)."),
}


def index_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--index",
        "index_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PROVENANCE_INDEX",
        default=DEFAULT_INDEX,
        show_default=True,
        help="Index file (also $PROVENANCE_INDEX).",
    )(func)


def matching_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, (_, kind, help_text) in reversed(_MATCHING_OPTIONS.items()):
        func = click.option(f"--{name.replace('_', '-')}", name, type=kind, default=None, help=help_text)(func)
    return func


_FEED_ROLES = {
    "text": "text, content, body",
    "date": "published, date, pubDate, published_at",
    "url": "url, link",
    "title": "title",
    "authors": "authors, author",
    "id": "id",
}


def feed_field_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--text-field NAME`` etc.: which field of a feed record (JSONL/CSV/Parquet) holds what."""
    for role, defaults in reversed(_FEED_ROLES.items()):
        func = click.option(f"--{role}-field", f"{role}_field", default=None, metavar="NAME",
                            help=f"Feed field holding the {role} (default: first of {defaults}).")(func)
    return func


def _feed_fields(values: dict[str, Any]) -> FeedFields:
    return FeedFields().with_overrides(**{role: values.pop(f"{role}_field", None) for role in _FEED_ROLES})


def _requested_config(values: dict[str, Any]) -> Config | None:
    """``None`` (use the index's own config) unless a matching option was given."""
    overrides = {dotted: values.get(name) for name, (dotted, _, _) in _MATCHING_OPTIONS.items()}
    if all(value is None for value in overrides.values()):
        return None
    return Config().with_overrides(**overrides)


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
@index_option
@click.option("--default-timezone", default=None, metavar="ZONE", help="Zone for timestamps without one (default UTC).")
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
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
@matching_options
@feed_field_options
def scan_command(paths: tuple[Path, ...], index_path: Path, default_timezone: str | None, prune: bool,
                 batch_size: int, max_file_size: int, strict: bool, workers: int | None, engine: str,
                 scheduler: str | None, workdir: Path | None, quiet: bool, **matching: Any) -> None:
    """Scan folders or files of articles (.txt/.md, or feeds: .jsonl/.csv/.parquet) into the index.

    Unchanged files are skipped, changed files replace their passages, and findings are
    recomputed so an earlier-dated article added later becomes the origin.

    \b
    Examples:
      provenance scan seeds/
      provenance scan archive/ --index news.sqlite --default-timezone America/New_York
      provenance scan archive/ --prune
      provenance scan archive/ --workers 1      # no worker processes
      provenance scan feeds/ --text-field story --date-field pubdate
      provenance scan archive/ --engine dask --workers 4
      provenance scan archive/ --engine dask --scheduler tcp://10.0.0.5:8786
    """
    options = ScanOptions(default_timezone=resolve_timezone(default_timezone), prune=prune, batch_size=batch_size,
                          max_file_size=max_file_size * 1024 * 1024, feed_fields=_feed_fields(matching),
                          workers=workers or default_workers(), engine=engine, scheduler=scheduler,
                          workdir=str(workdir) if workdir else None)
    with Index.open(index_path, _requested_config(matching)) as index, _progress() as progress:
        summary = scan(paths, index, options, warn=_warn, progress=progress)
    if not quiet:
        skipped = f", {len(summary.skipped)} skipped" if summary.skipped else ""
        removed = f", {summary.removed} removed" if summary.removed else ""
        click.echo(
            f"Scanned {summary.seen} documents: {summary.added} added, {summary.changed} changed, "
            f"{summary.unchanged} unchanged{removed}{skipped}. {summary.findings} reused passages in the index "
            f"{index_path}. Next: provenance report" + ("" if str(index_path) == DEFAULT_INDEX else f" --index {index_path}")
        )
    if strict and summary.skipped:
        raise InputError(f"{len(summary.skipped)} input(s) skipped and --strict was given (see the warnings above)")


@cli.command("report")
@index_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (terminal view), json (schema v1), markdown (GitHub), csv (a row per reuse), html (one page).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
@click.option("--origin", "origin_glob", metavar="PATTERN", help="Only reuses whose origin path matches this glob.")
@click.option("--copy", "copy_glob", metavar="PATTERN", help="Only reuses whose copy path matches this glob.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Show at most this many reuses.")
@click.option("--include-text", is_flag=True, help="JSON: add the reused text of both spans.")
@click.option("--open", "open_browser", is_flag=True, help="Write the HTML report (to -o or a temporary file) and open it in the browser.")
def report_command(index_path: Path, fmt: str, output: Path | None, origin_glob: str | None, copy_glob: str | None,
                   limit: int | None, include_text: bool, open_browser: bool) -> None:
    """Report reused passages from the index (no rescanning).

    --origin, --copy and --limit select the reuses shown, in every format; the summary
    always counts the whole index.

    \b
    Examples:
      provenance report
      provenance report --origin 'cnn/*' --limit 10
      provenance report --format html -o report.html
      provenance report --open
      provenance report --format markdown >> "$GITHUB_STEP_SUMMARY"
      provenance report --format json -o report.json
    """
    if open_browser:
        if click.get_current_context().get_parameter_source("fmt") is not ParameterSource.DEFAULT and fmt != "html":
            raise click.UsageError(f"--open shows the HTML report; drop --format {fmt}")
        fmt = "html"
    terminal = output is None and not open_browser and sys.stdout.isatty()
    with Index.open(index_path, readonly=True) as index:
        rendered = render_report(index, fmt, ReuseFilter(origin_glob, copy_glob, limit), include_text=include_text, terminal=terminal)
    if open_browser:
        path, opened = open_in_browser(rendered, output)
        click.echo(f"Report written to {path}" + ("" if opened else "; no browser could be started, open it from there"))
        return
    _emit(rendered, output)


@cli.command("trace")
@click.argument("file")
@index_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def trace_command(file: str, index_path: Path, fmt: str) -> None:
    """For each passage of one article: original here, or first seen where and when.

    \b
    Example:
      provenance trace seeds/002_b5b547b9f015d507.txt
    """
    with Index.open(index_path, readonly=True) as index:
        meta, traces = trace_document(index, file)
    if fmt == "json":
        data = {**meta, "passages": [_trace_dict(t) for t in traces]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{meta['path']}  {meta['title'] or ''}  published {meta['published'] or 'undated'}")
    for item in traces:
        preview = " ".join(item.text.split())[:90]
        if item.status == "reused":
            source = item.sources[0]
            where = f"first seen in {source['path']} ({source['published'] or 'undated'}), {source['kind']} {source['similarity']:.2f}"
            if not source["origin_certain"]:
                where += ", origin uncertain"
        elif item.status == "original" and item.reused_by:
            where = f"original here, reused {item.reused_by} time(s) elsewhere"
        else:
            where = {"original": "original here", "boilerplate": "boilerplate", "too-short": "too short to match"}[item.status]
        click.echo(f"[{item.start}:{item.end}] {where}\n    {preview}")


@cli.command("doctor")
@index_option
@click.option("--quick", is_flag=True, help="Skip re-processing every document's text.")
def doctor_command(index_path: Path, quick: bool) -> None:
    """Check an index: SQLite integrity and the index's own consistency.

    Opens read-only. Exit 0 when sound, 2 (with one line per problem) otherwise.

    \b
    Example:
      provenance doctor --index cached-provenance.sqlite
    """
    with Index.open(index_path, readonly=True) as index:
        problems = integrity_problems(index) + check_consistency(index, deep=not quick)
        documents = index.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        last = index.connection.execute("SELECT finished FROM scans ORDER BY id DESC LIMIT 1").fetchone()
        pending = pending_units(index)
    if problems:
        raise SchemaError(f"{index_path}: {len(problems)} problem(s): " + "; ".join(problems[:20]))
    waiting = f"; {pending} passages not matched yet (an interrupted scan): the next scan matches them" if pending else ""
    click.echo(f"{index_path}: OK ({documents} documents, last scan {last[0] if last else 'never'}{waiting})")


def _trace_dict(item: Any) -> dict[str, Any]:
    return {"start": item.start, "end": item.end, "status": item.status, "sources": list(item.sources), "reused_by": item.reused_by}


def _emit(rendered: str, output: Path | None) -> None:
    if output is None:
        click.echo(rendered, nl=False)
        return
    try:
        output.write_text(rendered, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc


def _warn(skipped: Skipped) -> None:
    # One line per skipped file, whatever odd characters its name holds.
    path = skipped.path.encode("unicode_escape").decode("ascii") if not skipped.path.isprintable() else skipped.path
    click.echo(f"warning: {path}: {skipped.reason}", err=True)


class _progress:
    """A rich progress bar on stderr, only when stderr is a terminal."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            self._bar = None
            return None
        from rich.progress import Progress

        self._bar = Progress(transient=True, console=None)
        self._bar.start()
        self._task = self._bar.add_task("scanning", total=None)
        return self._update

    def _update(self, done: int, total: int) -> None:
        assert self._bar is not None
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


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


# The CI commands live in their own module; importing it registers them on ``cli``.
from provenance import cli_check  # noqa: F401


def entry() -> None:
    sys.exit(main())
