"""Read models for listings of persons' faces and photos: a page of a person's faces, the first faces of
a few persons, the photos of faces, each photo of a person (WebDAV folders), and a signature of each
person's photos that changes whenever they do, from one query for all persons.

The interfaces name the face and person rows these hand out (``Face``, ``Person``) from here."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.storage.models import Face, Library, MediaFile, Person

__all__ = ["Face", "Person", "face_photos", "first_faces", "person_faces", "person_photos", "photo_signatures"]


def person_faces(
    session: Session, person_id: int, after: int = 0, limit: int | None = None, offset: int = 0
) -> list[Face]:
    """A person's faces by id, those after the face id ``after`` (keyset paging: a page starts after the
    last face of the one before) or past the first ``offset``, at most ``limit`` of them."""
    query = select(Face).where(Face.person_id == person_id, Face.id > after).order_by(Face.id)
    return list(session.scalars(query.offset(offset).limit(limit)))


def first_faces(session: Session, person_ids: list[int], count: int) -> dict[int, list[int]]:
    """Person id -> the ids of its first ``count`` faces, for each of a few persons."""
    return {
        person: list(session.scalars(select(Face.id).where(Face.person_id == person).order_by(Face.id).limit(count)))
        for person in person_ids
    }


def face_photos(session: Session, face_ids: list[int]) -> dict[int, int]:
    """Face id -> the id of the file it is in."""
    rows = session.execute(select(Face.id, Face.file_id).where(Face.id.in_(face_ids)))
    return {face_id: file_id for face_id, file_id in rows}


def person_photos(session: Session, person_id: int) -> list[tuple[MediaFile, Library, int]]:
    """Each photo with a face of the person: the file, its library and that face's id."""
    rows = session.execute(
        select(MediaFile, Library, Face.id)
        .join(MediaFile, MediaFile.id == Face.file_id)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Face.person_id == person_id)
    ).all()
    return [(media_file, library, face_id) for media_file, library, face_id in rows]


def photo_signatures(session: Session, user_id: int, person_id: int | None = None) -> dict[int, str]:
    """Person id -> a signature of its photos (which faces, which files, when they last changed); every
    person of the user's, or ``person_id`` only."""
    rows = session.execute(
        select(
            Face.person_id,
            func.count(Face.id),
            func.sum(Face.id),
            func.sum(Face.file_id),
            func.max(MediaFile.changed_at),
        )
        .join(MediaFile, MediaFile.id == Face.file_id)
        .join(Person, Person.id == Face.person_id)
        .where(Person.user_id == user_id, *([Person.id == person_id] if person_id is not None else []))
        .group_by(Face.person_id)
    )
    return {
        person: hashlib.sha256(f"{count} {faces} {files} {changed}".encode()).hexdigest()[:32]
        for person, count, faces, files, changed in rows
    }
