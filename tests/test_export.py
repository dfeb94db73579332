"""The export document made a batch of files at a time is the same text as the whole document dumped at once."""

from __future__ import annotations

import json
from pathlib import Path

from recognize import export
from recognize.app import App
from recognize.export import export_text, export_user
from recognize.faces.persons import list_persons, rename
from recognize.library.libraries import find_user, get_or_create_user
from tests.faces.conftest import faces_app, processed_template

__all__ = ["faces_app", "processed_template"]


def test_the_streamed_document_is_the_whole_document(faces_app: tuple[App, Path], monkeypatch) -> None:
    app, _root = faces_app
    monkeypatch.setattr(export, "BATCH", 3)
    monkeypatch.setattr(export, "PIECES", 2)
    with app.database.session() as session:
        user = find_user(session, app.settings.user)
        assert user is not None
        rename(session, user.id, list_persons(session, user.id)[0].id, "Zoë Ångström")
    with app.database.session() as session:
        user = find_user(session, app.settings.user)
        assert user is not None
        document = export_user(session, user)
        pretty = list(export_text(session, user.id, indent=2, ascii_only=True))
        compact = "".join(export_text(session, user.id))
    assert len(document["files"]) > 3 * 2 and len(pretty) > 3
    assert "".join(pretty) == json.dumps(document, indent=2)
    assert compact == json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    assert "Zoë Ångström" in compact


def test_an_empty_library_exports_empty_lists(settings) -> None:
    app = App(settings)
    try:
        with app.database.session() as session:
            user = get_or_create_user(session, "nobody")
        with app.database.session() as session:
            for indent in (None, 2):
                text = "".join(export_text(session, user.id, indent=indent))
                assert json.loads(text) == {"files": [], "persons": []}
                assert text == json.dumps({"files": [], "persons": []}, indent=indent, **_separators(indent))
    finally:
        app.close()


def _separators(indent: int | None) -> dict:
    return {"separators": (",", ":"), "ensure_ascii": False} if indent is None else {}
