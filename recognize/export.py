"""``recognize export``: one JSON document with every file, its tags and faces, and the persons.

Shape (stable; tools rely on it)::

    {"files": [{"path", "media", "error", "tags": [{"name", "kind", "score", "model"}],
                "faces": [{"bbox": [x, y, w, h], "score", "person"}], "text"}],
     "persons": [{"id", "name", "faces"}]}

A video's faces also carry ``frame_ms`` (where in the video the face was seen); ``text`` is the
text read in a photo (OCR), or null. The document is made a batch of files at a time
(``export_text``), so its size does not grow the memory of the server or the command that writes it.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from recognize.faces.persons import list_persons
from recognize.media.sniff import claimed_media
from recognize.storage.models import Face, FileError, FileText, Library, MediaFile, Tag, User

BATCH = 1000  # files read, with their faces, tags, texts and errors, per step
PIECES = 200  # files per piece of text handed on


def export_user(session: Session, user: User) -> dict[str, Any]:
    """The export document for one user's libraries, whole."""
    return {"files": list(export_files(session, user.id)), "persons": export_persons(session, user.id)}


def export_text(session: Session, user_id: int, indent: int | None = None, ascii_only: bool = False) -> Iterator[str]:
    """The export document as JSON text in pieces, made one batch of files at a time: the same text as
    ``json.dumps(export_user(...), indent=indent, ensure_ascii=ascii_only)``, with compact separators when
    ``indent`` is None."""
    separators = (",", ":") if indent is None else (",", ": ")
    pad, newline = ("", "") if indent is None else (" " * indent, "\n")

    def entry(value: dict[str, Any]) -> str:
        text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=ascii_only)
        return text.replace("\n", "\n" + pad * 2) if indent is not None else text

    pieces = ["{" + newline + pad + '"files"' + separators[1] + "["]
    first = True
    for file in export_files(session, user_id):
        pieces.append(("" if first else ",") + newline + pad * 2 + entry(file))
        first = False
        if len(pieces) >= PIECES:
            yield "".join(pieces)
            pieces.clear()
    yield "".join(pieces)
    yield ("]" if first else newline + pad + "]") + "," + newline + pad + '"persons"' + separators[1] + "["
    persons = export_persons(session, user_id)
    yield ",".join(newline + pad * 2 + entry(person) for person in persons)
    yield ("]" if not persons else newline + pad + "]") + newline + "}"


def export_persons(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Every person of the user, hidden ones too, with their face counts."""
    return [
        {"id": person.id, "name": person.name, "faces": person.faces, "hidden": person.hidden}
        for person in list_persons(session, user_id, include_hidden=True)
    ]


def export_files(session: Session, user_id: int) -> Iterator[dict[str, Any]]:
    """Every file of the user's libraries with its tags, faces, text and errors, by library and path, then the
    files that were never recorded but failed; read ``BATCH`` files at a time."""
    libraries = {library.id: library for library in session.scalars(select(Library).where(Library.user_id == user_id))}
    after: tuple[int, str] = (0, "")
    while True:
        batch = session.scalars(
            select(MediaFile)
            .where(MediaFile.library_id.in_(list(libraries)), tuple_(MediaFile.library_id, MediaFile.rel_path) > after)
            .order_by(MediaFile.library_id, MediaFile.rel_path)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        after = (batch[-1].library_id, batch[-1].rel_path)
        ids = [media_file.id for media_file in batch]
        errors, faces, tags = _errors_by_file(session, ids), _faces_by_file(session, ids), _tags_by_file(session, ids)
        texts = dict(session.execute(select(FileText.file_id, FileText.content).where(FileText.file_id.in_(ids))).all())
        for media_file in batch:
            messages = errors.get(media_file.id)
            if media_file.media is None and not messages:
                continue
            yield {
                "id": media_file.id,
                "path": file_location(libraries[media_file.library_id], media_file.rel_path),
                "media": media_file.media or claimed_media(media_file.rel_path),
                "error": "; ".join(messages) if messages else None,
                "tags": tags.get(media_file.id, []),
                "faces": faces.get(media_file.id, []),
                "text": texts.get(media_file.id),
            }
    orphans = select(FileError).where(FileError.library_id.in_(list(libraries)), FileError.file_id.is_(None))
    for orphan in session.scalars(orphans.order_by(FileError.id)):
        media = claimed_media(orphan.path)
        if media is not None:
            yield {
                "id": None,
                "path": file_location(libraries[orphan.library_id], orphan.path),
                "media": media,
                "error": f"{orphan.stage}: {orphan.reason}",
                "tags": [],
                "faces": [],
                "text": None,
            }


def file_location(library: Library, rel_path: str) -> str:
    """Where a file is: its full path, or the URL of a WebDAV library's file."""
    if library.remote:
        return library.root + quote(rel_path)
    return os.path.join(library.root, rel_path)


def _errors_by_file(session: Session, file_ids: list[int]) -> dict[int, list[str]]:
    by_file: dict[int, list[str]] = defaultdict(list)
    for error in session.scalars(select(FileError).where(FileError.file_id.in_(file_ids)).order_by(FileError.id)):
        by_file[error.file_id].append(f"{error.stage}: {error.reason}")
    return by_file


def _tags_by_file(session: Session, file_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_file: dict[int, list[dict[str, Any]]] = defaultdict(list)
    query = select(Tag).where(Tag.file_id.in_(file_ids)).order_by(Tag.file_id, Tag.kind, Tag.score.desc(), Tag.name)
    for tag in session.scalars(query):
        by_file[tag.file_id].append(
            {"name": tag.name, "kind": tag.kind, "score": round(tag.score, 4), "model": tag.model}
        )
    return by_file


def _faces_by_file(session: Session, file_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_file: dict[int, list[dict[str, Any]]] = defaultdict(list)
    query = (
        select(
            Face.file_id, Face.id, Face.x, Face.y, Face.width, Face.height, Face.score, Face.person_id, Face.frame_ms
        )
        .where(Face.file_id.in_(file_ids))
        .order_by(Face.file_id, Face.frame_ms, Face.x)
    )
    for file_id, face_id, x, y, width, height, score, person_id, frame_ms in session.execute(query):
        face = {"id": face_id, "bbox": [x, y, width, height], "score": round(score, 4), "person": person_id}
        by_file[file_id].append(face if frame_ms is None else {**face, "frame_ms": frame_ms})
    return by_file
