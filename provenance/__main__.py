"""``python -m provenance`` runs the CLI."""

from provenance.cli.app import entry

entry()
