"""The ``provenance`` command group, its entry point and the one place errors become
exit codes.

Commands live in :mod:`provenance.cli.commands` and :mod:`provenance.cli.ci`, named here
and imported when first asked for (``provenance trace`` never loads the CI formats, and
start-up is part of every command's time); they never import this module, so imports
point one way. Every :class:`~provenance.errors.ProvenanceError` becomes ``error: <message>`` on
stderr and its exit code here, in :func:`main`, and nowhere else.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import sys
import threading

import click

from provenance._version import __version__
from provenance.errors import ProvenanceError

__all__ = ["Interrupted", "cli", "entry", "main"]


#: Command name -> the module and attribute defining it.
_COMMANDS = {
    "scan": ("provenance.cli.commands", "scan_command"),
    "report": ("provenance.cli.commands", "report_command"),
    "trace": ("provenance.cli.commands", "trace_command"),
    "doctor": ("provenance.cli.commands", "doctor_command"),
    "check": ("provenance.cli.ci", "check_command"),
    "baseline": ("provenance.cli.ci", "baseline_command"),
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module, attribute = _COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
            gc.freeze()  # the imported modules live as long as the process: later collections skip them
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def entry() -> None:
    """The ``provenance`` console script and ``python -m provenance``."""
    sys.exit(main())
