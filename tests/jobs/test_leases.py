"""Leases instead of queue locks: a holder that died is taken over at once, a live one is waited for (bounded)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from recognize.app import App
from recognize.jobs import workspace as workspace_module
from recognize.jobs.cascade import register
from recognize.jobs.leases import LeaseHeld, leased
from recognize.jobs.liveness import identity
from recognize.jobs.queue import build_queue
from recognize.library.accounts import create_user
from recognize.server import create_server
from recognize.storage.models import Lease, Library, utcnow
from tests.faces.conftest import faces_app, main_face, processed_template

__all__ = ["faces_app", "processed_template"]


@pytest.fixture
def live_process() -> Iterator[int]:
    """Another live process of this host (its pid)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process.pid
    process.kill()
    process.wait()


def _dead_holder() -> str:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    holder = f"{identity(process.pid)}#1"
    process.wait()
    return holder


def _hold(app: App, name: str, holder: str) -> None:
    with app.database.session() as session:
        session.add(Lease(name=name, holder=holder, taken_at=utcnow()))


def test_a_dead_holder_s_lease_is_taken_over_at_once_and_a_live_one_waited_for(app: App, live_process: int) -> None:
    _hold(app, "crawl-1", _dead_holder())
    started = time.monotonic()
    with leased(app.database, "crawl-1"), pytest.raises(LeaseHeld), leased(app.database, "crawl-1"):
        pass
    assert time.monotonic() - started < 5
    _hold(app, "cluster-1", f"{identity(live_process)}#1")
    started = time.monotonic()
    with pytest.raises(LeaseHeld, match="cluster-1 is in progress"), leased(app.database, "cluster-1", wait=0.6):
        pass
    assert 0.6 <= time.monotonic() - started < 5
    with app.database.session() as session:
        assert [lease.name for lease in session.scalars(select(Lease))] == ["cluster-1"]


def test_a_library_whose_crawl_was_killed_is_crawled_again(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    (root / "new").mkdir()
    (root / "new" / "again.jpg").write_bytes((root / "obama" / "a.jpg").read_bytes() + b"unique")
    [library] = app.libraries()
    _hold(app, f"crawl-{library.id}", _dead_holder())
    queue = build_queue(app.settings.resolved_queue_url)
    register(queue, app.settings).crawl(library.id)
    crawl = queue.dequeue()
    queue.execute(crawl)
    with app.database.session() as session:
        scanned = session.get_one(Library, library.id).scanned_at
        assert not list(session.scalars(select(Lease)))
    assert scanned is not None and scanned.replace(tzinfo=None) > library.scanned_at.replace(tzinfo=None)


def test_answers_and_reclusters_wait_for_a_grouping_elsewhere_then_say_so(
    faces_app: tuple[App, Path], live_process: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _root = faces_app
    with app.database.session() as session:
        user = create_user(session, "admin", "admin-password", admin=True)
        face = main_face(session, "obama/d.jpg")
        face.person_id = None
    monkeypatch.setattr(workspace_module, "GROUPING_WAIT", 0.5)
    _hold(app, f"cluster-{user.id}", f"{identity(live_process)}#1")
    client = TestClient(create_server(app))
    questions = client.get("/api/confirmations", auth=("admin", "admin-password")).json()["items"]
    questions = [question for question in questions if question.get("face") == face.id]
    answer = client.post(
        f"/api/confirmations/{questions[0]['id']}", json={"answer": "no"}, auth=("admin", "admin-password")
    )
    assert answer.status_code == 503 and "nothing was saved" in answer.json()["detail"]
    with pytest.raises(LeaseHeld):
        app.update_persons(user.id)
    with app.database.session() as session:
        session.execute(Lease.__table__.delete())
    answer = client.post(
        f"/api/confirmations/{questions[0]['id']}", json={"answer": "no"}, auth=("admin", "admin-password")
    )
    assert answer.status_code == 200
    with app.database.session() as session:
        assert not list(session.scalars(select(Lease)))


def test_answers_given_while_grouping_runs_are_all_kept_and_leave_no_empty_person(
    app: App, tmp_path: Path, test_media: Path
) -> None:
    """On SQLite and PostgreSQL: the grouping lease serialises answers and regrouping."""
    import threading

    from recognize.faces import confirmations
    from recognize.storage.models import Confirmation, Person
    from tests.faces.conftest import PHOTOS, copy_photos

    copy_photos(test_media, tmp_path / "library", PHOTOS)
    app.process(tmp_path / "library")
    from recognize.faces import persons as ops

    with app.database.session() as session:
        user = create_user(session, "admin", "admin-password", admin=True)
        for rel_path in ("obama/d.jpg", "obama/c.jpg", "kit/b.jpeg", "rose/b.jpg"):
            face = main_face(session, rel_path)
            ops.split(session, user.id, face.person_id, [face.id])  # the same person twice: merge questions
    stop = threading.Event()
    failures: list[BaseException] = []

    def group_again_and_again() -> None:
        while not stop.is_set():
            try:
                app.update_persons(user.id, wait=10)
            except BaseException as error:  # noqa: BLE001 - reported by the test below
                failures.append(error)
                return

    grouping = threading.Thread(target=group_again_and_again)
    grouping.start()
    client = TestClient(create_server(app))
    answered = []
    try:
        for _ in range(6):
            items = client.get("/api/confirmations?limit=5", auth=("admin", "admin-password")).json()["items"]
            if not items:
                break
            reply = "yes" if len(answered) % 2 == 0 else "no"
            answer = client.post(
                f"/api/confirmations/{items[0]['id']}", json={"answer": reply}, auth=("admin", "admin-password")
            )
            assert answer.status_code == 200, answer.text
            answered.append(items[0]["id"])
    finally:
        stop.set()
        grouping.join(60)
    assert not failures and answered
    with app.database.session() as session:
        kept = set(session.scalars(select(Confirmation.question)))
        empty = session.scalars(select(Person.id).where(Person.face_count == 0)).all()
        assert not list(session.scalars(select(Lease)))
    assert set(answered) <= kept and empty == []
    assert confirmations.QUESTION_ID.match(answered[0])
