"""Every person operation can be undone: persons come back with their ids, names and faces; answers are forgotten."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.faces import confirmations, history
from recognize.faces import persons as ops
from recognize.storage.models import Confirmation, Face, FaceRejection, MediaFile, Person, User


def _state(app: App) -> tuple[dict, dict, set]:
    """Every person (name, hidden), every face's person and assigned_by, every rejection."""
    with app.database.session() as session:
        persons = {p.id: (p.name, p.hidden) for p in session.scalars(select(Person))}
        faces = {f.id: (f.person_id, f.assigned_by) for f in session.scalars(select(Face))}
        rejected = {tuple(row) for row in session.execute(select(FaceRejection.face_id, FaceRejection.person_id))}
    return persons, faces, rejected


def _person_of(app: App, rel_path: str) -> tuple[int, int]:
    with app.database.session() as session:
        face = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == rel_path)).one()
        return face.id, face.person_id


def _user(app: App) -> int:
    with app.database.session() as session:
        return session.scalars(select(User.id)).one()


@pytest.mark.parametrize(
    "operation", ["rename", "hide", "merge", "split", "move", "unassign", "answer-no", "merge-yes"]
)
def test_each_operation_is_undone_exactly(faces_app: tuple[App, Path], operation: str) -> None:
    app, _root = faces_app
    user_id = _user(app)
    obama_face, obama = _person_of(app, "obama/a.jpg")
    _, biden = _person_of(app, "biden/a.jpg")
    with app.database.session() as session:
        ops.rename(session, user_id, biden, "Joe")
    before = _state(app)
    with app.database.session() as session:
        if operation == "rename":
            ops.rename(session, user_id, obama, "Barack")
        elif operation == "hide":
            ops.hide(session, user_id, obama)
        elif operation == "merge":
            ops.merge(session, user_id, biden, [obama])
        elif operation == "split":
            ops.split(session, user_id, obama, [obama_face], name="Young Barack")
        elif operation in ("move", "unassign"):
            ops.move_face(session, user_id, obama_face, biden if operation == "move" else None)
        elif operation == "answer-no":
            confirmations.answer(session, user_id, f"face-{obama_face}-{obama}", "no")
        else:
            confirmations.answer(session, user_id, confirmations.merge_id(biden, obama), "yes")
    assert _state(app) != before
    with app.database.session() as session:
        entry = history.latest(session, user_id)
        kinds = {"unassign": "move", "answer-no": "answer", "merge-yes": "answer"}
        assert entry is not None and entry.kind == kinds.get(operation, operation)
        history.undo(session, user_id, entry.id)
        assert not session.scalars(select(Confirmation)).all()
    assert _state(app) == before
    with app.database.session() as session, pytest.raises(ops.PersonError, match="already undone"):
        history.undo(session, user_id, entry.id)


def test_an_operation_whose_faces_changed_since_is_undone_only_after_the_later_ones(
    faces_app: tuple[App, Path],
) -> None:
    app, _root = faces_app
    user_id = _user(app)
    obama_face, obama = _person_of(app, "obama/a.jpg")
    _, biden = _person_of(app, "biden/a.jpg")
    before = _state(app)
    with app.database.session() as session:
        ops.move_face(session, user_id, obama_face, None)
        first = history.latest(session, user_id).id
        ops.merge(session, user_id, obama, [biden])
        ops.move_face(session, user_id, obama_face, obama)
        third = history.latest(session, user_id).id
    with app.database.session() as session, pytest.raises(ops.PersonError, match="changed since"):
        history.undo(session, user_id, first)
    with app.database.session() as session:
        history.undo(session, user_id, third)
        history.undo(session, user_id, history.latest(session, user_id).id)
        history.undo(session, user_id, first)
    assert _state(app) == before
    with app.database.session() as session:
        assert session.get(Person, biden) is not None  # the merged person came back with its id
        assert [entry.kind for entry in history.history(session, user_id)] == ["move", "merge", "move"]
        with pytest.raises(ops.PersonError, match="no operation"):
            history.undo(session, user_id + 1, first)
