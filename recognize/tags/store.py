"""Writing one model's tags of a file: replace, never add to, what that model said before."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.orm import Session

from recognize.storage.models import Tag


def replace_tags(session: Session, file_id: int, model: str, tags: Iterable[tuple[str, str, float]]) -> None:
    """Set the (name, kind, score) tags ``model`` gives a file."""
    session.execute(delete(Tag).where(Tag.file_id == file_id, Tag.model == model))
    seen: set[tuple[str, str]] = set()
    for name, kind, score in tags:
        if (kind, name) not in seen:
            seen.add((kind, name))
            session.add(Tag(file_id=file_id, name=name, kind=kind, score=score, model=model))
