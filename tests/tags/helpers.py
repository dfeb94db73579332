"""Reading a user's export back by file name, for the tag tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recognize.app import App
from recognize.export import export_user
from recognize.library.libraries import find_user


def exported_files(app: App) -> dict[str, dict[str, Any]]:
    """The export's file entries keyed by file name."""
    with app.database.session() as session:
        document = export_user(session, find_user(session, app.settings.user))
    return {Path(entry["path"]).name: entry for entry in document["files"]}


def tag_names(entry: dict[str, Any], kind: str | None = None) -> set[str]:
    """The names of a file entry's tags (of one kind)."""
    return {tag["name"] for tag in entry["tags"] if kind is None or tag["kind"] == kind}
