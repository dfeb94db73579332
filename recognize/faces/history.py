"""The way back from mistakes: every person operation of a user, kept with the state it changed, can be undone.

Each operation (rename, hide, merge, split, move a face, an answer to a question; XMP names come
through the same operations) records the persons, faces and rejections it touched as they were before
and after it. Undoing puts the "before" back: a merged person returns with its id, name and faces, a
moved face returns to its person, an answer's must-link or cannot-link is forgotten. An operation
whose persons or faces changed again since is undone only after the later ones (409 saying so).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from recognize.faces.errors import PersonError, Refusal
from recognize.storage.control import mark_sidecars_due
from recognize.storage.models import Confirmation, Face, FaceRejection, Person, PersonHistory, utcnow

__all__ = ["PersonHistory", "Recording", "history", "latest", "merged_into", "recorded", "undo"]

RECORDING = "recognize.history.recording"


@dataclass
class Recording:
    """What an operation touches; it adds the persons it creates and the question it answers."""

    persons: set[int]
    faces: set[int]
    question: str | None = None
    created: set[int] = field(default_factory=set)


def _state(session: Session, persons: Iterable[int], faces: Iterable[int]) -> dict[str, Any]:
    person_ids, face_ids = sorted(set(persons)), sorted(set(faces))
    rows = session.scalars(select(Person).where(Person.id.in_(person_ids))) if person_ids else []
    face_rows = (
        session.execute(select(Face.id, Face.person_id, Face.assigned_by).where(Face.id.in_(face_ids)))
        if face_ids
        else []
    )
    rejected = session.execute(
        select(FaceRejection.face_id, FaceRejection.person_id).where(
            FaceRejection.face_id.in_(face_ids) | FaceRejection.person_id.in_(person_ids)
        )
    )
    return {
        "persons": {str(p.id): {"name": p.name, "hidden": p.hidden} for p in rows},
        "faces": {str(row.id): [row.person_id, row.assigned_by] for row in face_rows},
        "rejections": sorted([face, person] for face, person in rejected),
    }


@contextmanager
def recorded(
    session: Session, user_id: int, kind: str, summary: str, persons: Iterable[int], faces: Iterable[int] = ()
) -> Iterator[Recording]:
    """Record the operation run in the block (an operation inside another is part of the outer one)."""
    recording = Recording(set(persons), set(faces))
    if session.info.get(RECORDING):
        yield recording
        session.info[RECORDING].persons |= recording.persons | recording.created
        session.info[RECORDING].faces |= recording.faces
        return
    session.info[RECORDING] = recording
    try:
        before = _state(session, recording.persons, recording.faces)
        yield recording
        session.flush()
        touched = recording.persons | recording.created
        after = _state(session, touched, recording.faces)
        entry = PersonHistory(user_id=user_id, kind=kind, summary=summary, before=before, after=after)
        entry.question = recording.question
        session.add(entry)
    finally:
        session.info.pop(RECORDING, None)


def history(session: Session, user_id: int, limit: int = 50, offset: int = 0) -> list[PersonHistory]:
    """The user's operations, newest first."""
    query = select(PersonHistory).where(PersonHistory.user_id == user_id).order_by(PersonHistory.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def latest(session: Session, user_id: int) -> PersonHistory | None:
    """The user's newest operation not undone yet."""
    query = select(PersonHistory).where(PersonHistory.user_id == user_id, PersonHistory.undone_at.is_(None))
    return session.scalar(query.order_by(PersonHistory.id.desc()).limit(1))


def undo(session: Session, user_id: int, entry_id: int) -> PersonHistory:
    """Put back what the operation changed; PersonError (not found: unknown; conflict: already undone or
    changed since)."""
    entry = session.get(PersonHistory, entry_id)
    if entry is None or entry.user_id != user_id:
        raise PersonError(f"no operation {entry_id} in your history", Refusal.NOT_FOUND)
    if entry.undone_at is not None:
        raise PersonError(f"{entry.summary!r} was already undone", Refusal.CONFLICT)
    before, after = entry.before, entry.after
    persons = [int(key) for key in after["persons"]] + [int(key) for key in before["persons"]]
    faces = [int(key) for key in after["faces"]]
    if _state(session, persons, faces) != _without_missing(session, after):
        raise PersonError(
            f"{entry.summary!r}: its persons or faces changed since; undo the later changes first", Refusal.CONFLICT
        )
    _restore_persons(session, user_id, before)
    for key, (person_id, assigned_by) in before["faces"].items():
        face = session.get(Face, int(key))
        if face is not None:
            face.person_id, face.assigned_by = person_id, assigned_by
    session.flush()
    involved_faces = [int(key) for key in before["faces"]]
    involved_persons = [int(key) for key in before["persons"]]
    session.execute(
        delete(FaceRejection).where(
            FaceRejection.face_id.in_(involved_faces) | FaceRejection.person_id.in_(involved_persons)
        )
    )
    for face_id, person_id in before["rejections"]:
        if session.get(Face, face_id) is not None and session.get(Person, person_id) is not None:
            session.merge(FaceRejection(face_id=face_id, person_id=person_id))
    for key in set(after["persons"]) - set(before["persons"]):
        created = session.get(Person, int(key))
        if created is not None and not session.scalar(select(Face.id).where(Face.person_id == created.id).limit(1)):
            session.delete(created)
    if entry.question:
        session.execute(
            delete(Confirmation).where(Confirmation.user_id == user_id, Confirmation.question == entry.question)
        )
    entry.undone_at = utcnow()
    mark_sidecars_due(session, user_id)
    session.flush()
    return entry


def _without_missing(session: Session, after: dict[str, Any]) -> dict[str, Any]:
    """The recorded "after" state less faces whose photo is gone since (nothing to put back for them)."""
    recorded_faces = [int(key) for key in after["faces"]]
    present = {str(face_id) for face_id in session.scalars(select(Face.id).where(Face.id.in_(recorded_faces)))}
    faces = {key: value for key, value in after["faces"].items() if key in present}
    gone = {int(key) for key in after["faces"]} - {int(key) for key in present}
    return {**after, "faces": faces, "rejections": [pair for pair in after["rejections"] if pair[0] not in gone]}


def _restore_persons(session: Session, user_id: int, before: dict[str, Any]) -> None:
    """Bring back the persons as they were (one merged away returns with its id: ids are never reused; a person
    that exists again would have failed the "changed since" check)."""
    for key, values in before["persons"].items():
        person = session.get(Person, int(key))
        if person is None:
            person = Person(id=int(key), user_id=user_id)
            session.add(person)
        if values["name"] is not None:
            clash = session.scalar(
                select(Person.id).where(Person.user_id == user_id, Person.name == values["name"], Person.id != int(key))
            )
            if clash is not None:
                raise PersonError(f"person {clash} is now called {values['name']!r}: rename it first", Refusal.CONFLICT)
        person.name, person.hidden = values["name"], values["hidden"]
    session.flush()


def merged_into(session: Session, user_id: int, person_id: int) -> int | None:
    """The person a merged-away person now lives in (following later merges), or None."""
    merges = select(PersonHistory).where(
        PersonHistory.user_id == user_id, PersonHistory.kind.in_(("merge", "answer")), PersonHistory.undone_at.is_(None)
    )
    # merged away -> merged into, newest first (a later merge of the same person is the one that counts)
    went: dict[str, int] = {}
    for entry in session.scalars(merges.order_by(PersonHistory.id.desc()).limit(500)):
        for gone in set(entry.before["persons"]) - set(entry.after["persons"]):
            if entry.after["persons"]:
                went.setdefault(gone, int(next(iter(entry.after["persons"]))))
    for _ in range(10):
        target = went.get(str(person_id))
        if target is None or session.get(Person, target) is not None:
            return target
        person_id = target
    return None
