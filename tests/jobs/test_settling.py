"""The workers' grouping waits while face work of the user is queued, then groups all the faces at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from recognize.app import App
from recognize.jobs.cascade import register
from recognize.jobs.queue import build_queue
from recognize.jobs.settling import face_work, grouping_can_wait
from recognize.storage.control import mark_clustering_due
from recognize.storage.models import AnalysisState, Face, Library, MediaFile, Person, utcnow
from tests.faces.conftest import faces_app, main_face, processed_template

__all__ = ["faces_app", "processed_template"]


def _new_face_and_queued_work(app: App) -> tuple[int, int, int]:
    """Biden's second photo comes in new (its face in no person) while another file still waits for faces."""
    with app.database.session() as session:
        face = main_face(session, "biden/b.jpg")
        user_id = session.scalars(select(Library.user_id)).one()
        session.execute(delete(Person).where(Person.id == face.person_id))
        session.execute(update(Face).where(Face.id == face.id).values(person_id=None, assigned_by=None))
        waiting = session.scalars(select(MediaFile.id).where(MediaFile.rel_path == "kit/a.jpeg")).one()
        session.execute(
            update(AnalysisState)
            .where(AnalysisState.file_id == waiting, AnalysisState.name == "faces")
            .values(state="queued")
        )
        mark_clustering_due(session, user_id)
        return user_id, face.id, waiting


def _person_of(app: App, face_id: int) -> int | None:
    with app.database.session() as session:
        return session.get_one(Face, face_id).person_id


def test_face_work_is_the_analyses_that_find_faces_first_hand_and_what_they_need(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    assert face_work(app.analyses.values()) == {"faces", "video", "metadata"}


def test_grouping_waits_only_while_face_work_is_queued_and_the_new_faces_are_recent(
    faces_app: tuple[App, Path],
) -> None:
    app, _root = faces_app
    user_id, face_id, waiting = _new_face_and_queued_work(app)
    analyses = app.analyses.values()
    with app.database.session() as session:
        assert grouping_can_wait(session, user_id, analyses, interval=600)
        assert not grouping_can_wait(session, user_id, analyses, interval=0)
        session.execute(update(Face).where(Face.id == face_id).values(created_at=utcnow() - timedelta(seconds=700)))
        assert not grouping_can_wait(session, user_id, analyses, interval=600)
        session.execute(update(Face).where(Face.id == face_id).values(created_at=utcnow()))
        session.execute(update(AnalysisState).where(AnalysisState.file_id == waiting).values(state="done"))
        assert not grouping_can_wait(session, user_id, analyses, interval=600)


def test_the_worker_leaves_the_grouping_to_the_last_chunk_and_the_tick_catches_up(
    faces_app: tuple[App, Path],
) -> None:
    app, _root = faces_app
    user_id, face_id, waiting = _new_face_and_queued_work(app)
    queue = build_queue(app.settings.resolved_queue_url)
    tasks = register(queue, app.settings)
    tasks.cluster(user_id)
    queue.execute(queue.dequeue())
    assert _person_of(app, face_id) is None
    with app.database.session() as session:
        session.execute(update(AnalysisState).where(AnalysisState.file_id == waiting).values(state="done"))
    tasks.tick()
    queue.execute(queue.dequeue())
    assert queue.pending_count() == 1  # the tick queued the grouping the worker left
    queue.execute(queue.dequeue())
    assert _person_of(app, face_id) is not None
