"""Writes are committed before the answer: a locked database answers 503, a full one 507, nothing is lost."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from recognize.app import App
from recognize.config import load_settings
from recognize.library.accounts import create_user
from recognize.library.libraries import find_user
from recognize.server import create_server

ALICE = ("alice", "alice-password")
CHANGE = {"faces": {"cluster_distance": 0.3}}


@pytest.fixture
def client_and_app(tmp_path: Path) -> Iterator[tuple[TestClient, App]]:
    app = App(load_settings(home=tmp_path / "home", workers=1, database_busy_timeout=0.5))
    with app.database.session() as session:
        create_user(session, *ALICE)
    yield TestClient(create_server(app)), app
    app.close()


def _saved(app: App) -> dict:
    with app.database.session() as session:
        return find_user(session, ALICE[0]).settings


def test_a_write_to_a_locked_database_answers_503_and_is_not_reported_saved(client_and_app) -> None:
    client, app = client_and_app
    locker = sqlite3.connect(app.settings.home / "recognize.db")
    locker.execute("BEGIN IMMEDIATE")
    try:
        response = client.patch("/api/me/settings", json=CHANGE, auth=ALICE)
    finally:
        locker.rollback()
        locker.close()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] and "nothing was saved" in response.json()["detail"]
    assert _saved(app) == {}
    assert client.patch("/api/me/settings", json=CHANGE, auth=ALICE).status_code == 200
    assert _saved(app) == {"faces": {"cluster_distance": 0.3}}


def test_a_write_to_a_full_database_answers_507_and_every_201_was_saved(client_and_app, tmp_path: Path) -> None:
    client, app = client_and_app
    with app.database.session() as session:
        find_user(session, ALICE[0]).is_admin = True
    app.database.engine.dispose()

    @event.listens_for(app.database.engine, "connect")
    def no_room_to_grow(dbapi_connection, _record) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    reported_saved, answers = [], []
    for number in range(20):
        folder = tmp_path / "photos" / f"{number:02d}" / ("long-folder-name-" * 12) / ("deeper-" * 30)
        folder.mkdir(parents=True)
        response = client.post("/api/libraries", json={"path": str(folder)}, auth=ALICE)
        answers.append(response.status_code)
        if response.status_code == 201:
            reported_saved.append(str(folder))
        elif response.status_code == 507:
            assert "disk holding the database is full" in response.json()["detail"]
            break
    assert answers[-1] == 507, answers
    with app.database.session() as session:
        stored = [library.root for library in find_user(session, ALICE[0]).libraries]
    assert stored == reported_saved
