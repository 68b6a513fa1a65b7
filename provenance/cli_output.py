"""Output helpers every command shares: write a rendering, warn about a skipped file.

They live apart from the click group so that command modules (``cli_check``) can use them
without importing ``cli`` (which imports the command modules to register them).
"""

from __future__ import annotations

from pathlib import Path

import click

from provenance.ingest.load import Skipped

__all__ = ["emit", "warn_skipped"]


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
