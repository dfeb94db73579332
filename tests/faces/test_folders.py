"""Persons as WebDAV folders: found by name or id for their owner only; made empty; removed only when empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.faces.errors import PersonError, Refusal
from recognize.faces.folders import create_empty_person, delete_empty_person, person_named
from recognize.faces.history import history
from recognize.storage.models import Face, Person
from tests.faces.conftest import faces_app, owner_and_stranger, processed_template

__all__ = ["faces_app", "processed_template"]


def test_person_folders(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    with app.database.session() as session:
        owner, stranger = owner_and_stranger(session, app)
        with_faces = session.scalars(select(Face.person_id).where(Face.person_id.is_not(None)).limit(1)).one()

        made = create_empty_person(session, owner.id, "Holiday friends")
        assert person_named(session, owner.id, "Holiday friends") == made.id
        assert person_named(session, owner.id, str(with_faces)) == with_faces
        assert person_named(session, stranger.id, "Holiday friends") is None
        assert person_named(session, stranger.id, str(with_faces)) is None
        assert history(session, owner.id)[0].kind == "create"

        with pytest.raises(PersonError) as refused:
            delete_empty_person(session, owner.id, with_faces)
        assert refused.value.refusal is Refusal.CONFLICT and session.get(Person, with_faces) is not None
        with pytest.raises(PersonError) as foreign:
            delete_empty_person(session, stranger.id, made.id)
        assert foreign.value.refusal is Refusal.NOT_FOUND
        delete_empty_person(session, owner.id, made.id)
        assert person_named(session, owner.id, "Holiday friends") is None
