"""Option sets shared by the commands, as stacked decorators, and how their values meet
the config file (precedence: flag > environment variable > config file > default; see
:mod:`provenance.settings`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from provenance.config import Config
from provenance.ingest.feeds import FEED_ROLES, FeedFields
from provenance.report.select import KINDS, ReuseFilter, parse_instant
from provenance.settings import (
    DEFAULT_INDEX,
    MATCHING_KEYS,
    ConfigFile,
    matching_config,
    read_config,
)

__all__ = [
    "DEFAULT_INDEX",
    "common_options",
    "config_option",
    "feed_field_options",
    "feed_fields",
    "index_given_on_command_line",
    "index_option",
    "matching_options",
    "quiet_option",
    "read_config",
    "report_destination",
    "report_filter",
    "report_filter_options",
    "report_view_options",
    "requested_config",
    "resolve_index",
]

F = Callable[..., Any]


def config_option(func: F) -> F:
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
        help="Config file (default: ./provenance.toml, else [tool.passage-provenance] in ./pyproject.toml).",
    )(func)


def quiet_option(func: F) -> F:
    return click.option("-q", "--quiet", is_flag=True,
                        help="Only the requested output, warnings and errors: no progress, summary or notes.")(func)


def index_option(func: F) -> F:
    return click.option(
        "--index", "index_path", type=click.Path(dir_okay=False, path_type=Path), envvar="PROVENANCE_INDEX", default=None,
        help=f"Index file (default: the config file's index, else {DEFAULT_INDEX}; also $PROVENANCE_INDEX).",
    )(func)


def common_options(func: F) -> F:
    """``--index FILE``, ``--config FILE`` and ``-q/--quiet``: every command but the CI ones
    (which take their ``--index`` with the policy options)."""
    return index_option(config_option(quiet_option(func)))


def matching_options(func: F) -> F:
    for name, (_, kind, help_text) in reversed(MATCHING_KEYS.items()):
        func = click.option(f"--{name.replace('_', '-')}", name, type=kind, default=None, help=help_text)(func)
    return func


def feed_field_options(func: F) -> F:
    """``--text-field NAME`` etc.: which field of a feed record (JSONL/CSV/Parquet) holds what."""
    for role in reversed(FEED_ROLES):
        defaults = ", ".join(getattr(FeedFields(), role))
        func = click.option(f"--{role}-field", f"{role}_field", default=None, metavar="NAME",
                            help=f"Feed field holding the {role} (default: first of {defaults}).")(func)
    return func


def resolve_index(index_path: Path | None, config_file: ConfigFile) -> Path:
    """``--index`` or ``$PROVENANCE_INDEX``, else the config file's ``index``, else the default."""
    return index_path or Path(config_file.string("index") or DEFAULT_INDEX)


def index_given_on_command_line() -> bool:
    """Whether ``--index`` was typed (so a "Next: ..." hint must repeat it)."""
    return click.get_current_context().get_parameter_source("index_path") is ParameterSource.COMMANDLINE


def feed_fields(values: dict[str, Any], config_file: ConfigFile) -> FeedFields:
    """Feed field names from the flags (popped from ``values``), else the config file."""
    return FeedFields().with_overrides(**{
        role: values.pop(f"{role}_field", None) or config_file.string(f"{role}_field") for role in FEED_ROLES
    })


def requested_config(values: dict[str, Any], config_file: ConfigFile) -> Config | None:
    """``None`` (use the index's own config) unless a matching flag or ``[matching]`` says otherwise."""
    return matching_config(config_file, values)


class _Instant(click.ParamType):
    """``2021-03-04`` or an ISO-8601 instant; ``--until`` takes a bare date to its day's end."""

    name = "DATE"

    def __init__(self, end_of_day: bool) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse_instant(value, end_of_day=self.end_of_day)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def report_filter_options(func: F) -> F:
    """``--origin``/``--copy`` globs, ``--kind``, ``--min-similarity``, ``--since``/``--until``,
    ``--outlet`` and ``--limit``: which reuses a report shows, in every format."""
    options = [
        click.option("--origin", "origin_glob", metavar="PATTERN", help="Only reuses whose origin path matches this glob."),
        click.option("--copy", "copy_glob", metavar="PATTERN", help="Only reuses whose copy path matches this glob."),
        click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
                     help="Only reuses of this kind (repeat for several)."),
        click.option("--min-similarity", type=click.FloatRange(0.0, 1.0), default=None, metavar="X",
                     help="Only reuses at least this similar (0-1)."),
        click.option("--since", type=_Instant(False), default=None,
                     help="Only copies published at or after this date or instant (UTC unless it has an offset)."),
        click.option("--until", type=_Instant(True), default=None,
                     help="Only copies published up to this date (its whole day) or instant."),
        click.option("--outlet", "outlets", multiple=True, metavar="NAME",
                     help="Only reuses whose origin or copy outlet matches (a glob, case-insensitive; repeat for several)."),
        click.option("--limit", type=click.IntRange(0), default=None,
                     help="Show at most this many reuses; 0 shows all (the text view otherwise shows the top origins in full)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def report_filter(values: dict[str, Any]) -> ReuseFilter:
    """The :class:`ReuseFilter` of :func:`report_filter_options`' values (popped from ``values``)."""
    try:
        return ReuseFilter(
            origin=values.pop("origin_glob"), copy=values.pop("copy_glob"), limit=values.pop("limit") or None,
            kinds=tuple(values.pop("kinds")), min_similarity=values.pop("min_similarity"),
            since=values.pop("since"), until=values.pop("until"), outlets=tuple(values.pop("outlets")),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def report_view_options(func: F) -> F:
    """``--top``, ``--include-text``, ``--open`` and ``--no-pager``: how ``report`` shows what it selected."""
    options = [
        click.option("--top", type=click.IntRange(1), default=None,
                     help="Text view: rows in the overview's rankings, and origins shown in full without --limit (default 10)."),
        click.option("--include-text", is_flag=True, help="JSON and CSV: add the reused text of both spans (Parquet always has it)."),
        click.option("--open", "open_browser", is_flag=True,
                     help="Write the HTML report (to -o, else a temporary file, or a temporary site when large) and open it."),
        click.option("--no-pager", is_flag=True, help="Text view on a terminal: print everything instead of paging it."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def report_destination(fmt: str, output: str | None, open_browser: bool) -> tuple[str, Path | None, bool]:
    """The format, the ``-o`` path and whether it is a folder for the HTML site (a trailing
    ``/`` or an existing folder); usage errors for the combinations that cannot work."""
    if open_browser:
        if click.get_current_context().get_parameter_source("fmt") is not ParameterSource.DEFAULT and fmt != "html":
            raise click.UsageError(f"--open shows the HTML report; drop --format {fmt}")
        fmt = "html"
    as_site = output is not None and (output.endswith(("/", os.sep)) or Path(output).is_dir())
    if as_site and fmt != "html":
        raise click.UsageError(f"-o {output} is a folder, which only --format html writes (a site); give a file for --format {fmt}")
    target = Path(output) if output else None
    if fmt == "parquet" and target is None and sys.stdout.isatty():
        raise click.UsageError("--format parquet is binary: write it with -o FILE.parquet (or pipe it)")
    return fmt, target, as_site
