"""A user's photos and videos in time: newest first by date taken (undated last), and each one's neighbours.

The order is (undated last, date taken descending, id descending); counts and pages are computed in SQL
(`bench/search.py` times them at 100,000 files).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from recognize.storage.models import Library, MediaFile

VISUAL = ("image", "video")
UNDATED = case((MediaFile.taken_at.is_(None), 1), else_=0)
NEWEST_FIRST = (UNDATED.asc(), MediaFile.taken_at.desc(), MediaFile.id.desc())
OLDEST_FIRST = (UNDATED.desc(), MediaFile.taken_at.asc(), MediaFile.id.asc())


@dataclass(frozen=True)
class TimelineItem:
    """One photo or video of the timeline."""

    id: int
    taken_at: datetime | None
    media: str


def _visual_files(user_id: int):  # type: ignore[no-untyped-def]
    return (
        select(MediaFile.id, MediaFile.taken_at, MediaFile.media)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id, MediaFile.media.in_(VISUAL))
    )


def timeline_page(session: Session, user_id: int, limit: int, offset: int) -> tuple[int, list[TimelineItem]]:
    """How many photos and videos the user has, and one page of them, newest first."""
    query = _visual_files(user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(*NEWEST_FIRST).offset(offset).limit(limit))
    return total, [TimelineItem(file_id, taken_at, media) for file_id, taken_at, media in rows]


def neighbours(session: Session, user_id: int, media_file: MediaFile) -> tuple[int | None, int | None]:
    """The ids of the next newer and the next older photo or video around this one (None at the ends)."""
    taken, file_id = media_file.taken_at, media_file.id
    if taken is None:
        older = and_(MediaFile.taken_at.is_(None), MediaFile.id < file_id)
        newer = or_(MediaFile.taken_at.is_not(None), MediaFile.id > file_id)
    else:
        older = or_(
            MediaFile.taken_at.is_(None),
            MediaFile.taken_at < taken,
            and_(MediaFile.taken_at == taken, MediaFile.id < file_id),
        )
        newer = or_(MediaFile.taken_at > taken, and_(MediaFile.taken_at == taken, MediaFile.id > file_id))
    query = _visual_files(user_id).with_only_columns(MediaFile.id)
    newer_id = session.scalar(query.where(newer).order_by(*OLDEST_FIRST).limit(1))
    older_id = session.scalar(query.where(older).order_by(*NEWEST_FIRST).limit(1))
    return newer_id, older_id


def month_groups(items: list[TimelineItem]) -> list[tuple[str, list[TimelineItem]]]:
    """Consecutive items grouped under their month ("March 2024"), or "Date unknown"."""
    groups: list[tuple[str, list[TimelineItem]]] = []
    for item in items:
        label = item.taken_at.strftime("%B %Y") if item.taken_at else "Date unknown"
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(item)
    return groups


def months_with_photos(session: Session, user_id: int) -> list[tuple[int, int, int]]:
    """(year, month, how many photos and videos) for every month that has some, newest first."""
    year = func.extract("year", MediaFile.taken_at)
    month = func.extract("month", MediaFile.taken_at)
    query = (
        select(year, month, func.count())
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id, MediaFile.media.in_(VISUAL), MediaFile.taken_at.is_not(None))
        .group_by(year, month)
        .order_by(year.desc(), month.desc())
    )
    return [(int(y), int(m), count) for y, m, count in session.execute(query)]


def offset_of_month(session: Session, user_id: int, year: int, month: int) -> int:
    """Where the month's newest photo sits in the timeline (how many are newer)."""
    after = datetime(year + month // 12, month % 12 + 1, 1)
    newer = _visual_files(user_id).where(MediaFile.taken_at >= after)
    return session.scalar(select(func.count()).select_from(newer.subquery())) or 0
