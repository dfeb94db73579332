"""Text in photos: off by default, on per library, read with RapidOCR, stored and searchable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from recognize.analyses.registry import analysis_names
from recognize.app import App
from recognize.config import TextSettings
from recognize.library.libraries import LibraryError, configure_library, find_user, library_of, parse_assignments
from recognize.search.query import search
from tests.tags.helpers import exported_files


def _receipt(path: Path, lines: list[str]) -> Path:
    image = Image.new("RGB", (900, 120 + 90 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=56)
    for index, line in enumerate(lines):
        draw.text((40, 60 + 90 * index), line, fill="black", font=font)
    image.save(path)
    return path


def _switch(app: App, library_id: int, *assignments: str) -> dict:
    with app.database.session() as session:
        user = find_user(session, app.settings.user)
        library = library_of(session, user, library_id)
        return configure_library(
            session, library, parse_assignments(list(assignments)), app.settings.faces, analysis_names()
        )


def test_ocr_is_off_by_default_on_small_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert TextSettings().enabled is False
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert TextSettings().enabled is True


def test_text_is_read_only_where_switched_on(app: App, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    _receipt(root / "receipt.png", ["GROCERY STORE", "TOTAL 42.50 EUR"])
    library = app.add_library(root)
    _switch(app, library.id, "analyses.text=off")
    app.process(root)
    assert exported_files(app)["receipt.png"]["text"] is None
    assert _switch(app, library.id, "analyses.text=on")["analyses"] == {"text": True}
    app.process(root)
    text = exported_files(app)["receipt.png"]["text"]
    assert "GROCERY STORE" in text and "42.50" in text
    with app.database.session() as session:
        found = search(session, library.user_id, "grocery")
        assert [Path(f.rel_path).name for f in found.files] == ["receipt.png"]


def test_unknown_or_malformed_switches_are_refused(sqlite_app: App, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    library = sqlite_app.add_library(tmp_path / "photos")
    with pytest.raises(LibraryError, match="no such analysis"):
        _switch(sqlite_app, library.id, "analyses.telepathy=on")
    with pytest.raises(LibraryError, match="on or off"):
        _switch(sqlite_app, library.id, "analyses.text=maybe")
    with pytest.raises(LibraryError, match="expected"):
        parse_assignments(["colour.text=on"])
    with pytest.raises(LibraryError, match="no such setting"):
        _switch(sqlite_app, library.id, "xmp.write=on")
