"""The CI commands, ``check`` and ``baseline``: thin click layers over :mod:`provenance.ci`.

Registered on the :func:`provenance.cli.app.cli` group by :mod:`provenance.cli.app`;
errors and exit codes are mapped in :func:`provenance.cli.app.main` like every other command.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from provenance.ci.baseline import baseline_entries, read_baseline, write_baseline
from provenance.ci.check import CheckOptions, CheckResult, run_check
from provenance.ci.formats import append_step_summary, summary_line
from provenance.ci.formats import render as render_check
from provenance.ci.settings import FORMATS as CHECK_FORMATS
from provenance.ci.settings import CheckSettings, resolve_settings
from provenance.cli.options import DEFAULT_INDEX, config_option, feed_field_options, quiet_option
from provenance.cli.output import emit as _emit
from provenance.cli.output import warn_skipped as _warn

__all__ = ["baseline_command", "check_command", "check_options"]


def check_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``check`` and ``baseline``; defaults may come from the config file."""
    options = [
        click.option("--index", "index", envvar="PROVENANCE_INDEX", default=None, metavar="FILE",
                     help=f"Index to compare with, opened read-only (default {DEFAULT_INDEX}; also $PROVENANCE_INDEX)."),
        click.option("--min-similarity", type=click.FloatRange(0, 1), default=None,
                     help="Only findings at least this similar count (the index's own threshold is the floor)."),
        click.option("--max-reused-share", type=click.FloatRange(0, 1), default=None,
                     help="Fail only articles whose reused share of text exceeds this (default 0: any reuse)."),
        click.option("--allow-source", "allow_source", multiple=True, metavar="PATTERN",
                     help="Accept reuse from origins whose URL host, URL or path matches this glob (repeatable)."),
        click.option("--default-timezone", default=None, metavar="ZONE", help="Zone for timestamps without one (default UTC)."),
    ]
    func = config_option(quiet_option(feed_field_options(func)))
    for option in reversed(options):
        func = option(func)
    return func



@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--baseline", default=None, metavar="FILE", help="Accept the findings fingerprinted in FILE (see 'provenance baseline').")
@click.option("--update", is_flag=True, help="Add the checked articles to the index (otherwise it is left untouched).")
@click.option("--format", "format", type=click.Choice(CHECK_FORMATS), default=None, help="Output format (default text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file; the verdict still goes to stdout.")
@check_options
def check_command(paths: tuple[Path, ...], update: bool, output: Path | None, **flags: Any) -> int:
    """Fail (exit 1) when the articles reuse text of other, earlier articles.

    Compares PATHs (articles or feeds) with the index and with each other. The index is
    opened read-only unless --update is given; without one they are compared with each
    other only. Defaults come from the config file (--config, else provenance.toml or
    [tool.passage-provenance] in pyproject.toml); flags win. Exit 0: nothing beyond the
    policy; 1: findings; 2: error.

    \b
    Examples:
      provenance check feeds/today.jsonl
      provenance check new/ --allow-source apnews.com --allow-source '*.reuters.com'
      provenance check new/ --baseline provenance-baseline.json --format sarif -o provenance.sarif
      provenance check new/ --format github --max-reused-share 0.2
    """
    quiet = flags.pop("quiet")
    settings = resolve_settings(flags, config=flags.pop("config_path"))
    baseline = read_baseline(Path(settings.baseline)) if settings.baseline else frozenset()
    result = _run_check(paths, settings, baseline, update, quiet)
    _emit(render_check(result, settings.format), output)
    if output is not None and not quiet:
        click.echo(summary_line(result))
    if settings.format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        append_step_summary(result, Path(os.environ["GITHUB_STEP_SUMMARY"]))
    return result.exit_code


@click.command("baseline")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: the config file's baseline, else provenance-baseline.json).")
@check_options
def baseline_command(paths: tuple[Path, ...], output: Path | None, **flags: Any) -> None:
    """Record the current findings so that 'check --baseline' fails only on new reuse.

    Fingerprints hash the normalised copied text with the origin and copy (URL, else
    path), never line numbers, so they survive edits elsewhere in a file. Findings the
    allowlist accepts are left out.

    \b
    Example:
      provenance baseline articles/ -o provenance-baseline.json
      provenance check articles/ --baseline provenance-baseline.json
    """
    quiet = flags.pop("quiet")
    settings = resolve_settings(flags, config=flags.pop("config_path"))
    result = _run_check(paths, settings, frozenset(), quiet=quiet)
    target = output or Path(settings.baseline or "provenance-baseline.json")
    count = write_baseline(baseline_entries(result), target)
    if quiet:
        return
    click.echo(
        f"Wrote {count} fingerprint{'s' if count != 1 else ''} to {target} "
        f"({result.count('allowlist')} suppressed by the allowlist left out). Next: provenance check PATH... --baseline {target}"
    )


def _run_check(paths: tuple[Path, ...], settings: CheckSettings, baseline: frozenset[str], update: bool = False,
               quiet: bool = False) -> CheckResult:
    index_path = settings.index_path
    options = CheckOptions(update=update, scan=settings.scan_options())
    result = run_check(paths, index_path, settings.policy(baseline), options, warn=_warn)
    if message := result.unfinished.warning(index_path, copied=True):
        click.echo(f"warning: {message}", err=True)
    if not result.index_found and not quiet:
        done = "created it with the checked articles" if update else "the articles were compared with each other only"
        click.echo(f"note: no index at {index_path}; {done}", err=True)
    return result
