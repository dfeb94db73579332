"""Names from other tools' XMP regions flow to whole persons: an unnamed automatic person is named, not emptied."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from recognize.app import App
from recognize.faces.named_regions import NamedRegion, apply_named_regions
from recognize.storage.models import Face, Person, User
from tests.faces.conftest import main_face


def _face(app: App, rel_path: str) -> Face:
    with app.database.session() as session:
        return main_face(session, rel_path)


def _region(face: Face, name: str) -> NamedRegion:
    return NamedRegion(name, (face.x, face.y, face.width, face.height), b"")


def test_a_region_on_an_unnamed_person_names_the_person_or_joins_its_namesake(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    obama, kit, rose = _face(app, "obama/a.jpg"), _face(app, "kit/a.jpeg"), _face(app, "rose/a.jpg")
    with app.database.session() as session:
        user_id = session.scalars(select(User.id)).one()
        obama_faces = len(session.scalars(select(Face.id).where(Face.person_id == obama.person_id)).all())
        assert apply_named_regions(session, user_id, obama.file_id, [_region(obama, "Barack")]) == 1
        named = session.get_one(Person, obama.person_id)
        assert named.name == "Barack" and named.face_count == obama_faces
        session.get_one(Person, kit.person_id).name = "Kit"
        assert apply_named_regions(session, user_id, rose.file_id, [_region(rose, "Kit")]) == 1
        assert session.get(Person, rose.person_id) is None  # merged into Kit's person: no shared photo
        assert _face_person(session, rose.id) == kit.person_id


def _face_person(session, face_id: int) -> int | None:
    return session.get_one(Face, face_id).person_id


def test_a_region_on_a_named_person_moves_the_face_alone(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    biden, other = _face(app, "biden/a.jpg"), _face(app, "biden/b.jpg")
    with app.database.session() as session:
        user_id = session.scalars(select(User.id)).one()
        session.get_one(Person, biden.person_id).name = "Joe"
        assert apply_named_regions(session, user_id, biden.file_id, [_region(biden, "Joseph")]) == 1
        assert session.get_one(Person, _face_person(session, biden.id)).name == "Joseph"
        assert session.get_one(Person, _face_person(session, other.id)).name == "Joe"
