"""Reading tags: a user's tags with their photo counts, for lists and browsing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.storage.models import Library, MediaFile, Tag, TagName


def user_tags(
    session: Session, user_id: int, kind: str | None = None, name_contains: str | None = None
) -> list[dict[str, Any]]:
    """Tags of a user's files (of one kind, whose name contains some text): name, kind, file count; most first."""
    query = (
        select(Tag.name, Tag.kind, func.count(func.distinct(Tag.file_id)))
        .join(MediaFile, MediaFile.id == Tag.file_id)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id)
        .group_by(Tag.name, Tag.kind)
        .order_by(func.count(func.distinct(Tag.file_id)).desc(), Tag.name)
    )
    if kind is not None:
        query = query.where(Tag.kind == kind)
    if name_contains:
        query = query.where(Tag.name.ilike(f"%{name_contains}%"))
    return [{"name": name, "kind": tag_kind, "files": count} for name, tag_kind, count in session.execute(query)]


def tags_matching(session: Session, user_id: int, text: str, limit: int, cap: int) -> list[dict[str, Any]]:
    """A user's tags whose name contains ``text`` (any case), most files first; file counts stop at ``cap``
    (``files_capped`` says so). The names come from the short ``tag_names`` table, and each count stops at the cap."""
    if not text:
        return []
    found = []
    for name, kind in session.execute(select(TagName.name, TagName.kind).where(TagName.name.ilike(f"%{text}%"))):
        files = (
            select(Tag.file_id)
            .join(MediaFile, MediaFile.id == Tag.file_id)
            .join(Library, Library.id == MediaFile.library_id)
            .where(Tag.name == name, Tag.kind == kind, Library.user_id == user_id)
            .limit(cap + 1)
        )
        count = session.scalar(select(func.count()).select_from(files.subquery())) or 0
        if count:
            found.append({"name": name, "kind": kind, "files": min(count, cap), "files_capped": count > cap})
    return sorted(found, key=lambda tag: (-tag["files"], tag["name"]))[:limit]


MUSIC_KINDS = ("genre", "mood", "instrument", "voice", "era")


def songs(session: Session, user_id: int, tag: str | None = None, limit: int = 500) -> list[tuple[Any, list[Any]]]:
    """A user's songs (audio files), by name, each with its music tags (those with ``tag`` only, when given)."""
    query = (
        select(MediaFile)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id, MediaFile.media == "audio")
        .order_by(MediaFile.rel_path)
        .limit(limit)
    )
    if tag is not None:
        query = query.where(MediaFile.id.in_(select(Tag.file_id).where(Tag.name == tag, Tag.kind.in_(MUSIC_KINDS))))
    found = list(session.scalars(query))
    tags: dict[int, list[Tag]] = {media_file.id: [] for media_file in found}
    rows = session.scalars(
        select(Tag).where(Tag.file_id.in_(list(tags)), Tag.kind.in_(MUSIC_KINDS)).order_by(Tag.score.desc())
    )
    for row in rows:
        tags[row.file_id].append(row)
    return [(media_file, tags[media_file.id]) for media_file in found]
