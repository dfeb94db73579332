"""Outside SQLite clients (a shell, a backup) next to a running service: no write answered 2xx is ever lost."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from recognize.app import App
from recognize.config import load_settings
from recognize.library.accounts import create_user
from recognize.storage.database import create_private_file
from recognize.storage.models import Library, Person
from tests.faces.conftest import processed_template
from tests.tools import Service

__all__ = ["processed_template"]

ADMIN = ("admin", "admin-password")
BUSY_TIMEOUT = 1.0
LOCK_SECONDS = 4.0


def outside_sqlite(database: Path, script: str) -> subprocess.Popen[str]:
    """Another program using the database with SQLite (as the sqlite3 shell or a backup script does)."""
    code = f"import sqlite3, time\nconnection = sqlite3.connect({str(database)!r}, timeout=60)\n{script}\n"
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def deleted_database_files(service: Service) -> list[str]:
    """Database files the service's processes still write to although they were deleted."""
    found = []
    for pid in service.pids():
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = str(descriptor.readlink())
            except OSError:
                continue
            if "recognize.db" in target and target.endswith("(deleted)"):
                found.append(f"{pid}: {target}")
    return found


@pytest.fixture
def home_with_persons(processed_template: Path, tmp_path: Path) -> tuple[Path, Path, list[int]]:
    shutil.copytree(processed_template / "library", tmp_path / "library")
    shutil.copytree(processed_template / "home", tmp_path / "home")
    app = App(load_settings(home=tmp_path / "home", workers=1))
    with app.database.session() as session:
        session.execute(update(Library).values(root=str(tmp_path / "library")))
        create_user(session, *ADMIN, admin=True)
        persons = list(session.scalars(select(Person.id).order_by(Person.id)))
    app.close()
    assert len(persons) >= 2
    return tmp_path / "home", tmp_path / "library", persons


def test_writes_survive_outside_readers_and_an_outside_write_lock(home_with_persons) -> None:
    home, library, persons = home_with_persons
    database = home / "recognize.db"
    service = Service(home, library, env={"RECOGNIZE_DATABASE_BUSY_TIMEOUT": str(BUSY_TIMEOUT)})
    acknowledged: dict[int, str] = {}
    answers: list[int] = []
    try:
        client = httpx.Client(base_url=service.url, auth=ADMIN, timeout=60)

        def rename(number: int) -> None:
            person = persons[number % len(persons)]
            name = f"name {number}"
            response = client.patch(f"/api/persons/{person}", json={"name": name})
            answers.append(response.status_code)
            if response.is_success:
                acknowledged[person] = name
            else:
                assert response.status_code == 503, response.text
                assert "nothing was saved" in response.json()["detail"]

        rename(0)
        for number in range(1, 4):
            reader = outside_sqlite(database, "print(connection.execute('SELECT count(*) FROM persons').fetchone()[0])")
            assert reader.communicate(timeout=60)[0].strip() == str(len(persons))
            assert not deleted_database_files(service)
            rename(number)
        locker = outside_sqlite(
            database, f"connection.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\ntime.sleep({LOCK_SECONDS})"
        )
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        started = time.monotonic()
        during = threading.Thread(target=lambda: [rename(number) for number in range(10, 13)])
        during.start()
        during.join(60)
        waited = time.monotonic() - started
        locker.communicate(timeout=60)
        assert 503 in answers and 500 not in answers, answers
        assert waited >= BUSY_TIMEOUT, waited
        rename(20)
        assert answers[-1] == 200 and not deleted_database_files(service)
        copy = home.parent / "backup.db"
        for attempt in ("first", "again"):
            made = subprocess.run(
                [sys.executable, "-m", "recognize", "--data-dir", str(home), "backup", str(copy)],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert made.returncode == (0 if attempt == "first" else 1), made.stderr
        assert "exists: choose a new file" in made.stderr
        rename(21)
        assert answers[-1] == 200 and not deleted_database_files(service)
        with sqlite3.connect(copy) as saved:
            backed_up = dict(saved.execute("SELECT id, name FROM persons").fetchall())
        assert backed_up[persons[20 % len(persons)]] == "name 20"
        assert backed_up[persons[21 % len(persons)]] != "name 21"
        assert copy.stat().st_mode & 0o777 == 0o600
    finally:
        service.stop()
    app = App(load_settings(home=home, workers=1))
    with app.database.session() as session:
        names = {row.id: row.name for row in session.execute(select(Person.id, Person.name))}
    app.close()
    assert {person: names[person] for person in acknowledged} == acknowledged


def test_making_an_open_database_private_keeps_its_locks(tmp_path: Path) -> None:
    database = tmp_path / "live.db"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE kept (value TEXT)")
    connection.commit()
    create_private_file(database)
    outside_sqlite(database, "connection.execute('SELECT count(*) FROM kept').fetchone()").communicate(timeout=60)
    connection.execute("INSERT INTO kept VALUES ('written after the outside client closed')")
    connection.commit()
    seen = outside_sqlite(database, "print(connection.execute('SELECT count(*) FROM kept').fetchone()[0])")
    assert seen.communicate(timeout=60)[0].strip() == "1"
    connection.close()
    assert database.stat().st_mode & 0o777 == 0o600
