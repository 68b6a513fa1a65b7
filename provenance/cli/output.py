"""Output helpers every command shares: write a rendering, warn on stderr.

They live apart from the click group so that command modules import them without
importing :mod:`provenance.cli.app` (which imports the command modules to register them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from provenance.settings import ConfigFile, matching_differences
from provenance.store.unfinished import unfinished_work

if TYPE_CHECKING:
    from provenance.ingest.load import Skipped
    from provenance.store.index import Index

__all__ = ["emit", "warn_matching", "warn_skipped", "warn_unfinished"]


def emit(rendered: str, output: Path | None) -> None:
    if output is None:
        click.echo(rendered, nl=False)
        return
    try:
        output.write_text(rendered, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc


def warn_skipped(skipped: Skipped) -> None:
    # One line per skipped file, whatever odd characters its name holds.
    path = skipped.path.encode("unicode_escape").decode("ascii") if not skipped.path.isprintable() else skipped.path
    click.echo(f"warning: {path}: {skipped.reason}", err=True)


def warn_unfinished(index: Index) -> None:
    """Say on stderr when an interrupted scan left work undone: the output misses reuse."""
    if message := unfinished_work(index).warning(index.path):
        click.echo(f"warning: {message}", err=True)


def warn_matching(settings: ConfigFile, index: Index) -> None:
    """Readers use the index's own matching configuration; say so when the config file asks for another."""
    differences = matching_differences(settings, index.config)
    if differences:
        click.echo(f"warning: {index.path} was built with other matching options than {settings.name}'s [matching] "
                   f"({differences}); 'provenance scan' refuses it until you rebuild into a fresh --index", err=True)
