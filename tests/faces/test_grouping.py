"""Grouping grows with the new faces: a face left waiting is looked at again only when a new face comes near
it, when a person it may belong to changed, or in a full regroup."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from recognize.app import App
from recognize.faces.grouping import update_persons
from recognize.faces.known import LEFT
from recognize.storage.models import Face, Person, User
from tests.faces.conftest import main_face


def _face(app: App, rel_path: str) -> Face:
    with app.database.session() as session:
        return main_face(session, rel_path)


def _group(app: App, **options: object) -> None:
    with app.database.session() as session:
        user = session.scalars(select(User)).one()
        update_persons(session, user.id, app.clustering_settings(user), **options)  # type: ignore[arg-type]


def _wait(app: App, *faces: Face, by: str | None) -> None:
    with app.database.session() as session:
        ids = [face.id for face in faces]
        session.execute(update(Face).where(Face.id.in_(ids)).values(person_id=None, assigned_by=by))


def test_a_face_left_waiting_is_marked_and_joins_when_a_new_face_comes_near_it(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    first, second = _face(app, "biden/a.jpg"), _face(app, "biden/b.jpg")
    _wait(app, first, second, by=None)
    with app.database.session() as session:
        session.execute(update(Face).where(Face.id == second.id).values(assigned_by="user"))  # kept out for now
        session.delete(session.get_one(Person, first.person_id))
    _group(app)
    alone = _face(app, "biden/a.jpg")
    assert (alone.person_id, alone.assigned_by) == (None, LEFT)  # one face makes no person: left waiting
    _wait(app, second, by=None)  # a new photo of him
    _group(app)
    together = {_face(app, "biden/a.jpg").person_id, _face(app, "biden/b.jpg").person_id}
    assert len(together) == 1 and None not in together


def test_a_left_face_far_from_new_faces_waits_until_its_person_changes_or_everything_is_regrouped(
    faces_app: tuple[App, Path],
) -> None:
    app, _root = faces_app
    left, new = _face(app, "obama/b.jpg"), _face(app, "kit/a.jpeg")
    obama, kit = left.person_id, new.person_id
    _wait(app, left, by=LEFT)
    _wait(app, new, by=None)
    _group(app)
    assert _face(app, "kit/a.jpeg").person_id == kit
    assert (_face(app, "obama/b.jpg").person_id, _face(app, "obama/b.jpg").assigned_by) == (None, LEFT)
    _group(app, changed=[obama])
    assert _face(app, "obama/b.jpg").person_id == obama
    _wait(app, left, by=LEFT)
    _group(app, everything=True)
    assert _face(app, "obama/b.jpg").person_id == obama
