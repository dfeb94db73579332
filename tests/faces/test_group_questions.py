"""Group questions: a person's doubtful and nearest waiting faces in one grid, settled by one answer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from recognize.app import App
from recognize.errors import Refusal
from recognize.faces import confirmations
from recognize.faces.confirmations import QUESTION_ID
from recognize.faces.group_questions import group_id
from recognize.faces.persons import PersonError
from recognize.storage.models import Confirmation, Face, FaceRejection, User
from tests.faces.conftest import main_face


def _unassign(app: App, *rel_paths: str) -> tuple[int, list[int]]:
    """Take these photos' faces out of their (one) person; returns the person and the faces."""
    with app.database.session() as session:
        faces = [main_face(session, rel_path) for rel_path in rel_paths]
        person = {face.person_id for face in faces}.pop()
        ids = [face.id for face in faces]
        session.execute(update(Face).where(Face.id.in_(ids)).values(person_id=None, assigned_by=None))
    return person, ids


def _user(app: App) -> int:
    with app.database.session() as session:
        return session.scalars(select(User.id)).one()


def _groups(app: App) -> list[confirmations.Question]:
    with app.database.session() as session:
        return app.questions(session, session.scalars(select(User)).one(), limit=50, kinds=("group",))


def test_yes_with_exceptions_places_the_others_and_keeps_the_excepted_out(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    obama, faces = _unassign(app, "obama/c.jpg", "obama/d.jpg")
    asked = [q for q in _groups(app) if q.person == obama]
    assert len(asked) == 1 and sorted(asked[0].faces) == sorted(faces) and asked[0].gain == 2
    kept, excepted = faces
    app.answer_question(_user(app), asked[0].id, "yes", excepted=[excepted])
    with app.database.session() as session:
        assert session.get_one(Face, kept).person_id == obama and session.get_one(Face, kept).assigned_by == "user"
        out = session.get_one(Face, excepted)
        assert (out.person_id, out.assigned_by) == (None, "held")
        assert session.get(FaceRejection, (excepted, obama)) is not None
        answers = dict(session.execute(select(Confirmation.question, Confirmation.answer)).all())
    assert answers[asked[0].id] == "yes"
    assert answers[f"face-{kept}-{obama}"] == "yes" and answers[f"face-{excepted}-{obama}"] == "no"
    assert asked[0].id not in {q.id for q in _groups(app)}


def test_no_keeps_every_face_out_and_a_changed_group_is_refused(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    obama, faces = _unassign(app, "obama/c.jpg", "obama/d.jpg")
    asked = next(q for q in _groups(app) if q.person == obama)
    try:
        app.answer_question(_user(app), asked.id.rsplit("-", 1)[0] + "-1", "yes")
    except PersonError as error:
        assert error.refusal is Refusal.CONFLICT
    else:
        raise AssertionError("a group nobody was asked about was answered")
    app.answer_question(_user(app), asked.id, "no")
    with app.database.session() as session:
        assert all(session.get_one(Face, face).person_id is None for face in faces)
        assert all(session.get(FaceRejection, (face, obama)) is not None for face in faces)


def test_every_group_id_is_a_question_id_the_api_takes() -> None:
    ids = [group_id(person, [person, person + 1]) for person in range(1, 400)]
    assert any(len(question.rsplit("-", 1)[1]) == 19 for question in ids)  # the longest digests occur
    assert all(QUESTION_ID.match(question) for question in ids)
