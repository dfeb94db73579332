"""Writing an analysis's tags of a file: replace, never add to, what its models said before."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete
from sqlalchemy.orm import Session

from recognize.storage.models import Tag, TagName


def replace_tags(
    session: Session, file_id: int, models: Sequence[str], tags: Iterable[tuple[str, str, float, str]]
) -> None:
    """Set the (name, kind, score, model) tags ``models`` give a file; a repeated tag keeps its best score.
    New names join ``tag_names``."""
    session.execute(delete(Tag).where(Tag.file_id == file_id, Tag.model.in_(list(models))))
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for name, kind, score, model in tags:
        if (kind, name) not in best or score > best[kind, name][0]:
            best[kind, name] = (score, model)
    for (kind, name), (score, model) in best.items():
        session.add(Tag(file_id=file_id, name=name, kind=kind, score=score, model=model))
        session.merge(TagName(name=name, kind=kind))
