"""``python -m recognize`` runs the CLI."""

from recognize.cli import cli

cli()
