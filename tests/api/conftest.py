"""The processed face library of tests/faces, reused by the API tests, with two users: an admin and Bob."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from recognize.app import App
from recognize.library.accounts import create_user
from recognize.library.libraries import add_library
from recognize.server import create_server
from recognize.storage.models import Face, MediaFile
from tests.faces.conftest import faces_app, processed_template

__all__ = ["ALICE", "BOB", "_ids", "api", "faces_app", "processed_template"]

ALICE = ("admin", "alice-password")
BOB = ("bob", "bob-password!")


@pytest.fixture
def api(faces_app: tuple[App, Path], tmp_path: Path) -> tuple[TestClient, App, Path]:
    app, root = faces_app
    (tmp_path / "bob-photos").mkdir()
    with app.database.session() as session:
        create_user(session, *ALICE, admin=True)
        bob = create_user(session, *BOB)
        add_library(session, bob, tmp_path / "bob-photos", app.root_policy, trusted=True)
    return TestClient(create_server(app)), app, root


def _ids(app: App) -> dict[str, int]:
    """Ids of Obama's first photo, face and person."""
    with app.database.session() as session:
        face = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == "obama/a.jpg")).one()
        return {"file": face.file_id, "face": face.id, "person": face.person_id}
