"""``recognize export``: one JSON document with every file, its tags and faces, and the persons.

Shape (stable; tools rely on it)::

    {"files": [{"path", "media", "error", "tags": [{"name", "kind", "score", "model"}],
                "faces": [{"bbox": [x, y, w, h], "score", "person"}], "text"}],
     "persons": [{"id", "name", "faces"}]}

A video's faces also carry ``frame_ms`` (where in the video the face was seen); ``text`` is the
text read in a photo (OCR), or null.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.faces.persons import list_persons
from recognize.media.sniff import claimed_media
from recognize.storage.models import Face, FileError, FileText, Library, MediaFile, Tag, User


def _errors_by_file(session: Session, library_ids: list[int]) -> tuple[dict[int, list[str]], list[FileError]]:
    by_file: dict[int, list[str]] = defaultdict(list)
    orphans: list[FileError] = []
    rows = session.scalars(select(FileError).where(FileError.library_id.in_(library_ids)).order_by(FileError.id))
    for error in rows:
        if error.file_id is None:
            orphans.append(error)
        else:
            by_file[error.file_id].append(f"{error.stage}: {error.reason}")
    return by_file, orphans


def export_user(session: Session, user: User) -> dict[str, Any]:
    """The export document for one user's libraries."""
    libraries = {library.id: library for library in session.scalars(select(Library).where(Library.user_id == user.id))}
    errors, orphans = _errors_by_file(session, list(libraries))
    faces = _faces_by_file(session, list(libraries))
    tags = _tags_by_file(session, list(libraries))
    texts = dict(
        session.execute(
            select(FileText.file_id, FileText.content)
            .join(MediaFile, MediaFile.id == FileText.file_id)
            .where(MediaFile.library_id.in_(list(libraries)))
        ).all()
    )
    files: list[dict[str, Any]] = []
    query = (
        select(MediaFile)
        .where(MediaFile.library_id.in_(list(libraries)))
        .order_by(MediaFile.library_id, MediaFile.rel_path)
    )
    for media_file in session.scalars(query):
        messages = errors.get(media_file.id)
        if media_file.media is None and not messages:
            continue
        files.append(
            {
                "id": media_file.id,
                "path": file_location(libraries[media_file.library_id], media_file.rel_path),
                "media": media_file.media or claimed_media(media_file.rel_path),
                "error": "; ".join(messages) if messages else None,
                "tags": tags.get(media_file.id, []),
                "faces": faces.get(media_file.id, []),
                "text": texts.get(media_file.id),
            }
        )
    for orphan in orphans:
        media = claimed_media(orphan.path)
        if media is not None:
            files.append(
                {
                    "id": None,
                    "path": file_location(libraries[orphan.library_id], orphan.path),
                    "media": media,
                    "error": f"{orphan.stage}: {orphan.reason}",
                    "tags": [],
                    "faces": [],
                    "text": None,
                }
            )
    persons = [
        {"id": person.id, "name": person.name, "faces": person.faces, "hidden": person.hidden}
        for person in list_persons(session, user.id, include_hidden=True)
    ]
    return {"files": files, "persons": persons}


def file_location(library: Library, rel_path: str) -> str:
    """Where a file is: its full path, or the URL of a WebDAV library's file."""
    if library.remote:
        return library.root + quote(rel_path)
    return os.path.join(library.root, rel_path)


def _tags_by_file(session: Session, library_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_file: dict[int, list[dict[str, Any]]] = defaultdict(list)
    query = (
        select(Tag)
        .join(MediaFile, MediaFile.id == Tag.file_id)
        .where(MediaFile.library_id.in_(library_ids))
        .order_by(Tag.file_id, Tag.kind, Tag.score.desc(), Tag.name)
    )
    for tag in session.scalars(query):
        by_file[tag.file_id].append(
            {"name": tag.name, "kind": tag.kind, "score": round(tag.score, 4), "model": tag.model}
        )
    return by_file


def _faces_by_file(session: Session, library_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_file: dict[int, list[dict[str, Any]]] = defaultdict(list)
    query = (
        select(
            Face.file_id, Face.id, Face.x, Face.y, Face.width, Face.height, Face.score, Face.person_id, Face.frame_ms
        )
        .join(MediaFile, MediaFile.id == Face.file_id)
        .where(MediaFile.library_id.in_(library_ids))
        .order_by(Face.file_id, Face.frame_ms, Face.x)
    )
    for file_id, face_id, x, y, width, height, score, person_id, frame_ms in session.execute(query):
        face = {"id": face_id, "bbox": [x, y, width, height], "score": round(score, 4), "person": person_id}
        by_file[file_id].append(face if frame_ms is None else {**face, "frame_ms": frame_ms})
    return by_file
