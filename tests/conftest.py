"""Shared fixtures: real databases (SQLite and PostgreSQL), settings in a temporary home, real data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from recognize.app import App
from recognize.config import Settings, load_settings
from tests.postgres import temporary_postgres

TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """A PostgreSQL server for the whole run (RECOGNIZE_TEST_POSTGRES_URL, or one started here)."""
    given = os.environ.get("RECOGNIZE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the session's server."""
    server = request.getfixturevalue("postgres_server")
    if server is None:
        if os.environ.get("RECOGNIZE_TEST_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (RECOGNIZE_TEST_REQUIRE_POSTGRES) but not installed")
        pytest.skip("PostgreSQL is not installed")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings in a temporary home with the embedded SQLite database and one worker."""
    return load_settings(home=tmp_path / "home", workers=1)


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    """An App on each database kind."""
    application = App(load_settings(home=tmp_path / "home", database_url=database_url, workers=1))
    yield application
    application.close()


@pytest.fixture
def sqlite_app(settings: Settings) -> Iterator[App]:
    """An App on the embedded SQLite default."""
    application = App(settings)
    yield application
    application.close()


@pytest.fixture(scope="session")
def test_media() -> Path:
    """Real media committed in tests/data (each file's source and licence: tests/data/SOURCES.md)."""
    return TEST_DATA
