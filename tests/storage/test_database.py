"""Storage: migrations create the schema on SQLite and PostgreSQL; SQLite runs in WAL mode."""

import pytest
from sqlalchemy import delete, func, inspect, select, text, update

from recognize.app import App
from recognize.library.libraries import LibraryError
from recognize.storage.models import Face, Library, MediaFile, Person, User


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


def test_an_opened_session_is_kept_only_when_ended_with_commit(app: App) -> None:
    for name, commit in (("kept", True), ("dropped", False)):
        opened = app.database.open_session()
        opened.add(User(name=name, password_hash="x"))
        opened.flush()
        app.database.end_session(opened, commit)
    with app.database.session() as session:
        assert session.scalars(select(User.name)).all() == ["kept"]


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


def _face(file_id: int, person_id: int | None) -> Face:
    return Face(
        file_id=file_id,
        x=0,
        y=0,
        width=50,
        height=50,
        score=1.0,
        landmarks=[],
        embedding=b"",
        blur=0.1,
        clusterable=True,
        thumbnail=b"",
        person_id=person_id,
    )


def test_person_face_counts_follow_every_change_of_faces(app: App, tmp_path) -> None:
    (tmp_path / "photos").mkdir()
    library = app.add_library(tmp_path / "photos", "alice")

    def counts(session) -> list[tuple[int, int]]:
        actual = select(func.count()).where(Face.person_id == Person.id).scalar_subquery()
        return [tuple(row) for row in session.execute(select(Person.face_count, actual).order_by(Person.id))]

    with app.database.session() as session:
        files = [
            MediaFile(library_id=library.id, rel_path=f"{n}.jpg", size=1, mtime_ns=1, device=1, inode=n)
            for n in range(3)
        ]
        first, second = Person(user_id=library.user_id), Person(user_id=library.user_id)
        session.add_all([*files, first, second])
        session.flush()
        faces = [_face(files[n % 3].id, first.id if n < 4 else None) for n in range(6)]
        session.add_all(faces)
        session.flush()
        assert counts(session) == [(4, 4), (0, 0)]
        faces[0].person_id = second.id
        faces[4].person_id = second.id
        session.flush()
        session.execute(update(Face).where(Face.person_id.is_(None)).values(person_id=first.id))
        assert counts(session) == [(4, 4), (2, 2)]
        session.delete(faces[1])
        session.flush()
        session.execute(delete(MediaFile).where(MediaFile.id == files[0].id))
        assert counts(session) == [(2, 2), (1, 1)]


def test_backup_copies_sqlite_and_points_postgresql_to_pg_dump(app: App, tmp_path) -> None:
    from recognize.storage.database import BackupError

    if app.database.url.startswith("sqlite"):
        app.database.backup(tmp_path / "copy.db")
        assert (tmp_path / "copy.db").stat().st_size > 0
        with pytest.raises(BackupError, match="is not a folder"):
            app.database.backup(tmp_path / "missing" / "copy.db")
    else:
        with pytest.raises(BackupError, match="pg_dump"):
            app.database.backup(tmp_path / "copy.db")


def test_person_ids_are_never_reused(app: App) -> None:
    with app.database.session() as session:
        user = User(name="ids")
        session.add(user)
        session.flush()
        first, second = Person(user_id=user.id), Person(user_id=user.id)
        session.add_all([first, second])
        session.flush()
        newest = second.id
        session.delete(second)
    with app.database.session() as session:
        third = Person(user_id=user.id)
        session.add(third)
        session.flush()
        assert third.id > newest


def _differences(app: App) -> list[str]:
    """What Alembic finds between the migrated schema and the ORM models, one line each, full-text search left
    out (SQLite's FTS5 tables, PostgreSQL's GIN index: made by migrations in SQL the models do not describe);
    an index SQLite reflects without its DESC (a remove and an add of the same name and columns) is not one."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from recognize.storage.models import Base

    with app.database.engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    lines, indexes = [], {}
    for difference in found:
        kind, item = (difference[0][0], difference[0][2:4]) if isinstance(difference, list) else difference[:2]
        if item.name.startswith("search_fts") or item.name == "ix_search_documents_body":
            continue
        if kind in ("add_index", "remove_index"):
            columns = [str(e).removesuffix(" DESC").split(".")[-1] for e in item.expressions]
            indexes.setdefault((item.name, tuple(columns)), []).append(kind)
            continue
        lines.append(f"{kind} {item}")
    lines += [f"{' and '.join(kinds)} {name}" for (name, _), kinds in indexes.items() if len(kinds) != 2]
    return lines


def test_the_models_and_the_migrations_agree(app: App) -> None:
    assert _differences(app) == []
