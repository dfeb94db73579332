"""Search over a user's library: person names, tags (places included), file names and cameras."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from recognize.storage.models import Library, MediaFile, Person, Tag
from recognize.tags.query import user_tags


@dataclass
class SearchResult:
    """What matched, by kind."""

    persons: list[Person] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    files: list[MediaFile] = field(default_factory=list)


def search(session: Session, user_id: int, term: str, limit: int = 200) -> SearchResult:
    """Case-insensitive substring search; files match by name, camera or any of their tags."""
    term = term.strip()
    if not term:
        return SearchResult()
    like = f"%{term}%"
    persons = list(session.scalars(select(Person).where(Person.user_id == user_id, Person.name.ilike(like))))
    tags = [tag for tag in user_tags(session, user_id) if term.lower() in tag["name"].lower()]
    files = list(
        session.scalars(
            select(MediaFile)
            .join(Library)
            .where(Library.user_id == user_id, MediaFile.media.is_not(None))
            .where(
                or_(
                    MediaFile.rel_path.ilike(like),
                    MediaFile.camera_model.ilike(like),
                    MediaFile.id.in_(select(Tag.file_id).where(Tag.name.ilike(like))),
                )
            )
            .order_by(MediaFile.taken_at.desc(), MediaFile.id)
            .limit(limit)
        )
    )
    return SearchResult(persons, tags, files)
