"""``python -m provenance`` runs the CLI."""

from provenance.cli import entry

entry()
