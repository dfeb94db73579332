"""Read models for listings of persons' photos (WebDAV folders): a person's photos, and a signature of each
person's photos that changes whenever they do, from one query for all persons."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.storage.models import Face, Library, MediaFile, Person


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
