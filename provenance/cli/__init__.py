"""The ``provenance`` command: a thin click layer over the library.

``app`` holds the group, the entry point and the mapping of errors to exit codes;
``commands`` (scan, report, trace, doctor) and ``ci`` (check, baseline) hold the
commands, ``options`` the option sets they share, ``output`` and ``progress`` what they
print. Each command parses options, makes one library call and renders the result.
"""

from provenance.cli.app import cli, entry, main

__all__ = ["cli", "entry", "main"]
