"""Command line: each command builds the App and calls one library function; commands live by subject."""

from recognize.cli import accounts, maintenance, persons, processing, xmp
from recognize.cli.common import cli

__all__ = ["accounts", "cli", "maintenance", "persons", "processing", "xmp"]
