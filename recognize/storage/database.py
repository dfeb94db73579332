"""The database handle: engine, sessions and migrations, for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD_REVISION = "0023"
# Connections one process keeps open and opens beyond that while busy. An API request holds its session
# across the worker-thread hops of its dependencies, so more sessions than `api_threads` are open at once;
# SQLite connections are cheap and kept (each new one runs the pragmas); a PostgreSQL server takes 100
# clients by default, for every process together.
POOLS = {"sqlite": (40, 40), "postgresql": (10, 10)}
DEFAULT_BUSY_TIMEOUT = 30.0
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


class BackupError(Exception):
    """A backup was refused or failed; the message says why."""


def redacted(url: str) -> str:
    """A database URL fit to print: any password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def create_private_folder(path: Path) -> None:
    """Create a folder only its owner can enter (mode 0700); an existing one is left as it is."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_FOLDER)
        path.chmod(PRIVATE_FOLDER)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 when missing, and make an existing one 0600.

    An existing file is never opened: closing any descriptor of a file drops every POSIX lock this process
    holds on it, and SQLite's locks on a live database are what keep another client from deleting its
    ``-wal`` and ``-shm`` files while this process still writes to them."""
    create_private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        path.chmod(PRIVATE_FILE)


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return on_connect


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout (seconds a write waits for a lock)."""
    backend = _backend(url)
    kept, more = POOLS[backend]
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, pool_size=kept, max_overflow=more)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=kept, max_overflow=more)


def _backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


class Database:
    """One engine and its session factory; every write goes through ``session()``."""

    def __init__(self, url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        if url.startswith("sqlite:///"):
            create_private_file(Path(url.removeprefix("sqlite:///")))
        self.url = url
        self.engine = make_engine(url, busy_timeout)
        # The most connections this process opens at once; one more waits for a free one (30 s at most).
        self.connections = sum(POOLS[_backend(url)])
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def revision(self) -> str | None:
        """The schema's Alembic revision (None before the first migration)."""
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (a database already there costs one query)."""
        if self.revision() == HEAD_REVISION:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self.open_session()
        try:
            yield session
        except BaseException:
            self.end_session(session, commit=False)
            raise
        self.end_session(session, commit=True)

    def open_session(self) -> Session:
        """A new session that has not touched the database yet; ``end_session`` commits or rolls back and
        closes it. For callers that cannot keep ``session()`` open across their own steps (an HTTP request)."""
        return self._sessions()

    @staticmethod
    def end_session(session: Session, commit: bool) -> None:
        """Commit (or roll back) and close a session from ``open_session``."""
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    def backup(self, destination: Path) -> None:
        """Copy a live SQLite database to ``destination`` (a new file, mode 0600) with SQLite's online backup:
        writers go on meanwhile, and the copy is one consistent state. PostgreSQL has pg_dump for this."""
        if _backend(self.url) != "sqlite":
            raise BackupError(f"{redacted(self.url)} is PostgreSQL: back it up with pg_dump")
        if not destination.parent.is_dir():
            raise BackupError(f"{destination.parent} is not a folder")
        if destination.exists():
            raise BackupError(f"{destination} exists: choose a new file")
        partial = destination.with_name(f".{destination.name}.partial")
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        copy = sqlite3.connect(partial)
        pooled = self.engine.raw_connection()
        try:
            pooled.driver_connection.backup(copy)
            checked = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            pooled.close()
            copy.close()
        if checked != "ok":
            partial.unlink()
            raise BackupError(f"the copy failed SQLite's check: {checked}")
        try:
            os.link(partial, destination)
        except FileExistsError:
            raise BackupError(f"{destination} exists: choose a new file") from None
        finally:
            partial.unlink()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
