"""The queue cascade with real worker processes: crash safety, new and deleted files, PostgreSQL and Redis queues."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from recognize.app import App
from recognize.jobs.chunks import analyse_files
from recognize.jobs.progress import user_status
from recognize.jobs.queue import build_queue
from recognize.library.libraries import find_user
from recognize.storage.models import AnalysisState
from tests.faces.conftest import LATER, PHOTOS, copy_photos
from tests.redis_server import temporary_redis
from tests.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]


def cli(home: Path, *args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "recognize", "--data-dir", str(home), *args],
        **{"stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL, **kwargs},
        text=True,
        env=environment,
        start_new_session=True,
    )


def export(home: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    out, _ = cli(home, "export", env=env).communicate(timeout=120)
    return json.loads(out)


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """The export with person ids replaced by the sorted face lists that make each person."""
    members: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
    for entry in document["files"]:
        for face in entry["faces"]:
            if face["person"] is not None:
                members.setdefault(face["person"], []).append((Path(entry["path"]).name, tuple(face["bbox"])))
    files = sorted(
        (Path(e["path"]).name, e["media"], e["error"], tuple(sorted(tuple(f["bbox"]) for f in e["faces"])))
        for e in document["files"]
    )
    return {"files": files, "persons": sorted(sorted(faces) for faces in members.values())}


# Where a kill lands, each read from the database while the whole process group is stopped (SIGSTOP), so the
# state seen is the state killed.
KILL_POINTS = {
    "crawl, before its files are recorded": "select exists(select 1 from leases where name like 'crawl-%')"
    " and not exists(select 1 from files)",
    "crawl, files recorded, chunks being queued": "select exists(select 1 from leases where name like 'crawl-%')"
    " and exists(select 1 from files)",
    "mid-chunk": "select (select count(*) from analyses where name = 'faces' and state = 'done') between 1 and {last}",
    "grouping": "select exists(select 1 from leases where name like 'cluster-%')",
}


def kill_when(victim: subprocess.Popen[str], database: Path, condition: str, timeout: float = 120.0) -> bool:
    """SIGKILL the victim's process group the first time ``condition`` (SQL) holds; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and victim.poll() is None:
        if database.exists():
            os.killpg(victim.pid, signal.SIGSTOP)
            try:
                with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as connection:
                    hit = bool(connection.execute(condition).fetchone()[0])
            except sqlite3.OperationalError:  # not yet migrated
                hit = False
            if hit:
                os.killpg(victim.pid, signal.SIGKILL)
                victim.wait()
                return True
            os.killpg(victim.pid, signal.SIGCONT)
        time.sleep(0.002)
    return False


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory, test_media: Path) -> tuple[Path, dict[str, Any]]:
    """A library and the export of one run over it that nothing interrupted, with one worker."""
    base = tmp_path_factory.mktemp("undisturbed")
    copy_photos(test_media, base / "library", {**PHOTOS, **LATER})
    assert cli(base / "home", "process", str(base / "library"), "--workers", "1").wait(timeout=300) == 0
    return base / "library", canonical(export(base / "home"))


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_anywhere_then_a_rerun_gives_the_undisturbed_result(
    tmp_path: Path, undisturbed: tuple[Path, dict[str, Any]], point: str
) -> None:
    """Two workers with chunks of two this time: persons depend neither on where the kill fell nor on the
    order the workers finished in."""
    library, expected = undisturbed
    env = {"RECOGNIZE_JOBS__CHUNK_SIZE": "2"}
    condition = KILL_POINTS[point].format(last=len(PHOTOS) + len(LATER) - 1)
    for attempt in range(3):  # a point the run went past between two looks is tried again, on a fresh home
        home = tmp_path / f"attempt-{attempt}"
        victim = cli(home, "process", str(library), "--workers", "2", env=env)
        if kill_when(victim, home / "recognize.db", condition):
            break
    else:
        pytest.fail(f"three runs went past {point!r} between two looks")
    assert cli(home, "process", str(library), "--workers", "2", env=env).wait(timeout=300) == 0
    assert canonical(export(home)) == expected
    with closing(sqlite3.connect(home / "recognize.db")) as connection:
        assert connection.execute("select count(*) from leases").fetchone()[0] == 0


def test_worker_picks_up_files_added_and_deleted_while_it_runs(tmp_path: Path, test_media: Path) -> None:
    library, home = tmp_path / "library", tmp_path / "home"
    library.mkdir()
    assert cli(home, "library", "add", str(library)).wait(timeout=60) == 0
    worker = cli(
        home, "worker", "--workers", "1", "--verbose", env={"RECOGNIZE_JOBS__CHUNK_SIZE": "1"}, stderr=subprocess.PIPE
    )
    watching = threading.Event()

    def drain() -> None:
        for line in worker.stderr:
            if "watching 1 library folder" in line:
                watching.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        assert watching.wait(timeout=120), "the worker never started watching the library"
        copy_photos(test_media, library, PHOTOS)
        assert _wait_for(home, lambda doc: any(e["faces"] for e in doc["files"]))
        copy_photos(test_media, library, {"later/obama-720p.jpg": LATER["later/obama-720p.jpg"]})
        (library / "rose" / "b.jpg").unlink()
        expected = sorted({*PHOTOS, "later/obama-720p.jpg"} - {"rose/b.jpg"})

        def finished(doc: dict[str, Any]) -> bool:
            paths = sorted(str(Path(e["path"]).relative_to(library)) for e in doc["files"])
            return paths == expected and all(e["faces"] and e["error"] is None for e in doc["files"])

        assert _wait_for(home, finished)
        document = export(home)
        surest = {e["path"]: max(e["faces"], key=lambda face: face["score"]) for e in document["files"]}
        obama = {face["person"] for path, face in surest.items() if "obama" in path}
        assert len(obama) == 1 and None not in obama
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def _wait_for(home: Path, condition, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition(export(home)):
            return True
        time.sleep(1)
    return False


def test_postgresql_database_and_queue(tmp_path: Path, test_media: Path, postgres_url: str) -> None:
    database_url = postgres_url
    library = tmp_path / "library"
    copy_photos(test_media, library, {"kit/a.jpeg": PHOTOS["kit/a.jpeg"], "kit/b.jpeg": PHOTOS["kit/b.jpeg"]})
    queue_url = database_url.replace("postgresql+psycopg://", "postgresql://")
    env = {"RECOGNIZE_DATABASE_URL": database_url, "RECOGNIZE_JOBS__QUEUE_URL": queue_url}
    assert cli(tmp_path / "home", "process", str(library), "--workers", "2", env=env).wait(timeout=300) == 0
    document = export(tmp_path / "home", env=env)
    assert [len(entry["faces"]) for entry in document["files"]] == [1, 1]
    assert len(document["persons"]) == 1 and document["persons"][0]["faces"] == 2


def test_redis_queue(tmp_path: Path, test_media: Path) -> None:
    with temporary_redis(require_tool("redis-server")) as queue_url:
        library = tmp_path / "library"
        copy_photos(test_media, library, {"kit/a.jpeg": PHOTOS["kit/a.jpeg"], "kit/b.jpeg": PHOTOS["kit/b.jpeg"]})
        env = {"RECOGNIZE_JOBS__QUEUE_URL": queue_url}
        assert cli(tmp_path / "home", "process", str(library), "--workers", "2", env=env).wait(timeout=300) == 0
        document = export(tmp_path / "home", env=env)
        assert [len(entry["faces"]) for entry in document["files"]] == [1, 1]
        assert len(document["persons"]) == 1 and document["persons"][0]["faces"] == 2
        assert build_queue(queue_url).pending_count() == 0


def test_a_file_that_keeps_crashing_is_marked_failed(sqlite_app: App, tmp_path: Path, test_media: Path) -> None:
    root = tmp_path / "library"
    copy_photos(test_media, root, {"kit/a.jpeg": PHOTOS["kit/a.jpeg"]})
    library = sqlite_app.add_library(root)
    sqlite_app.scan([library])
    analyse_files(sqlite_app, "metadata", [1])
    with sqlite_app.database.session() as session:
        session.add(
            AnalysisState(file_id=1, name="faces", state="queued", attempts=sqlite_app.settings.jobs.max_attempts)
        )
    report = analyse_files(sqlite_app, "faces", [1])
    assert (report.done, report.failed, report.skipped) == (0, 0, 1)
    with sqlite_app.database.session() as session:
        row = session.get(AnalysisState, (1, "faces"))
        assert row.state == "failed"
    document_errors = [error["reason"] for error in _status_errors(sqlite_app)]
    assert any("gave up after 3 attempts" in reason for reason in document_errors)


def _status_errors(app: App) -> list[dict[str, str]]:
    with app.database.session() as session:
        return user_status(session, find_user(session, app.settings.user), app.settings)["libraries"][0]["errors"]
