"""``recognize export``: one JSON document with every file, its tags and faces, and the persons.

Shape (stable; tools rely on it)::

    {"files": [{"path", "media", "error", "tags": [{"name", "kind", "score", "model"}],
                "faces": [{"bbox": [x, y, w, h], "score", "person"}]}],
     "persons": [{"id", "name", "faces"}]}
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.media.sniff import claimed_media
from recognize.storage.models import FileError, Library, MediaFile, User


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
                "path": os.path.join(libraries[media_file.library_id].root, media_file.rel_path),
                "media": media_file.media or claimed_media(media_file.rel_path),
                "error": "; ".join(messages) if messages else None,
                "tags": [],
                "faces": [],
            }
        )
    for orphan in orphans:
        media = claimed_media(orphan.path)
        if media is not None:
            path = os.path.join(libraries[orphan.library_id].root, orphan.path)
            files.append(
                {"path": path, "media": media, "error": f"{orphan.stage}: {orphan.reason}", "tags": [], "faces": []}
            )
    return {"files": files, "persons": []}
