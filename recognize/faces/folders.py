"""Persons as folders (WebDAV's ``persons/``): the person a folder's name stands for, a person made by making
a folder, and removing the folder of a person with no face left."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.faces.errors import PersonError, Refusal
from recognize.faces.persons import create_empty_person, get_person
from recognize.storage.models import Face, Person

__all__ = ["create_empty_person", "delete_empty_person", "person_named"]


def person_named(session: Session, user_id: int, label: str) -> int | None:
    """The user's person a folder is named after: by its name, else by its id for an unnamed one; or None."""
    named = session.scalar(select(Person.id).where(Person.user_id == user_id, Person.name == label))
    if named is not None:
        return named
    if label.isdigit():
        person = session.get(Person, int(label))
        if person is not None and person.user_id == user_id:
            return person.id
    return None


def delete_empty_person(session: Session, user_id: int, person_id: int) -> None:
    """Remove a person of the user that has no face; PersonError when it has faces or is not theirs."""
    person = get_person(session, user_id, person_id)
    if session.scalar(select(Face.id).where(Face.person_id == person_id).limit(1)) is not None:
        raise PersonError(
            f"{person.name or 'this person'} still has faces: only an empty person can be removed", Refusal.CONFLICT
        )
    session.delete(person)
