"""Storage: migrations create the schema on SQLite and PostgreSQL; SQLite runs in WAL mode."""

import pytest
from sqlalchemy import inspect, select, text

from recognize.app import App
from recognize.library.libraries import LibraryError
from recognize.storage.models import Library, User


def test_migrations_create_every_table(app: App) -> None:
    tables = set(inspect(app.database.engine).get_table_names())
    assert {"users", "libraries", "files", "file_errors", "analyses", "alembic_version"} <= tables


def test_migrate_twice_is_harmless(app: App) -> None:
    app.database.migrate()
    with app.database.session() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_sqlite_uses_wal(sqlite_app: App) -> None:
    with sqlite_app.database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_libraries_are_scoped_to_their_user(app: App, tmp_path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "inner").mkdir()
    (tmp_path / "bob-photos").mkdir()
    first = app.add_library(folder, "alice")
    again = app.add_library(folder, "alice")
    for overlapping in (folder, folder / "inner"):
        with pytest.raises(LibraryError, match="another user's library"):
            app.add_library(overlapping, "bob")
    other = app.add_library(tmp_path / "bob-photos", "bob")
    assert first.id == again.id != other.id
    assert [library.id for library in app.libraries("alice")] == [first.id]
    with app.database.session() as session:
        owners = session.execute(select(User.name, Library.id).join(Library)).all()
    assert sorted(owners) == sorted([("alice", first.id), ("bob", other.id)])


def test_the_head_revision_constant_is_the_newest_migration(app: App) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from recognize.storage.database import HEAD_REVISION, MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
    assert app.database.revision() == HEAD_REVISION
