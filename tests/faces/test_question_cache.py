"""Questions are kept between requests; after a change a newer list is made in the background while the
previous one, without what no longer holds, is served."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from recognize.app import App
from recognize.config import load_settings
from recognize.faces import question_cache
from recognize.faces.confirmations import Question
from recognize.storage.control import mark_clustering_due
from recognize.storage.models import Face, QuestionList, User
from tests.faces.conftest import main_face


def _ask(app: App) -> list[Question]:
    with app.database.session() as session:
        return app.questions(session, session.scalars(select(User)).one(), limit=50)


def test_a_change_is_served_from_the_previous_list_until_the_new_one_is_made(
    faces_app: tuple[App, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _root = faces_app
    allowed, made = threading.Event(), []
    allowed.set()

    def slow_snapshot(*args: object) -> tuple[object, list[Question]]:
        allowed.wait(30)
        found = real_snapshot(*args)  # type: ignore[arg-type]
        made.append(1)
        return found

    real_snapshot = question_cache.snapshot
    monkeypatch.setattr(question_cache, "snapshot", slow_snapshot)
    monkeypatch.setattr(question_cache, "FRESH_WAIT", 0.0)
    first = _ask(app)
    assert _ask(app) == first and not made  # unchanged faces: the list the workers stored, not made again
    with app.database.session() as session:
        left_out = main_face(session, "obama/d.jpg")
        obama = left_out.person_id
        session.execute(update(Face).where(Face.id == left_out.id).values(person_id=None, assigned_by=None))
    allowed.clear()
    stale = _ask(app)
    assert not [q for q in stale if q.face == left_out.id]
    assert not [q for q in stale if q.inside and q.face == left_out.id]
    allowed.set()
    deadline = time.monotonic() + 30
    while not (fresh := [q for q in _ask(app) if q.face == left_out.id]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fresh) == 1 and fresh[0].person == obama and len(made) == 1


def test_a_process_that_starts_serves_the_questions_the_workers_stored(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    with app.database.session() as session:
        owner = session.scalars(select(User)).one()
        held = main_face(session, "obama/d.jpg").id  # as after a wrong "no": waits, and is asked about
        session.execute(update(Face).where(Face.id == held).values(person_id=None, assigned_by="held"))
        mark_clustering_due(session, owner.id)
    assert app.update_persons_if_due(owner.id) is not None  # the workers' grouping, which stores the questions
    with app.database.session() as session:
        version, (pairs, stored) = question_cache.stored_questions(session, owner.id) or ("", ([], []))
        assert version == question_cache.faces_version(session, app.clustering_settings(owner)) and stored
        made = question_cache.made(session, owner.id, app.clustering_settings(owner))
        assert (pairs, stored) == made and [q for q in stored if q.face == held]
        others = [q for q in stored if q.face != held]
        question_cache.store_questions(session, owner.id, version, (pairs, others))
    started = App(load_settings(home=root.parent / "home", workers=1))
    try:
        assert _ask(started) == others[:50]  # served as stored (here: without the held face's), not made
    finally:
        started.close()

    with app.database.session() as session:
        session.execute(delete(QuestionList))
    started = App(load_settings(home=root.parent / "home", workers=1))
    try:
        assert _ask(started) == made[1][:50]  # nothing stored: made at once
        with started.database.session() as session:
            assert question_cache.stored_questions(session, owner.id) is None  # a request's list is not stored
        started.question_cache.remember(owner.id, started.clustering_settings(owner))
        with started.database.session() as session:
            assert question_cache.stored_questions(session, owner.id) == (version, made)
    finally:
        started.close()
