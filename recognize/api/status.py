"""Processing status per library: file counts, analyses done / failed / pending, and the errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.config import Settings
from recognize.jobs.registry import enabled_analyses
from recognize.storage.models import Analysis, FileError, Library, MediaFile, User


def library_status(session: Session, library: Library, settings: Settings) -> dict[str, Any]:
    """Counts and errors of one library."""
    media_counts = dict(
        session.execute(
            select(MediaFile.media, func.count()).where(MediaFile.library_id == library.id).group_by(MediaFile.media)
        ).all()
    )
    analyses: dict[str, dict[str, int]] = {}
    for analysis in enabled_analyses(settings):
        eligible = session.scalar(
            select(func.count()).where(MediaFile.library_id == library.id, MediaFile.media.in_(analysis.media))
        )
        states = dict(
            session.execute(
                select(Analysis.state, func.count())
                .join(MediaFile, MediaFile.id == Analysis.file_id)
                .where(MediaFile.library_id == library.id, Analysis.name == analysis.name)
                .group_by(Analysis.state)
            ).all()
        )
        done, failed = states.get("done", 0), states.get("failed", 0)
        analyses[analysis.name] = {"done": done, "failed": failed, "pending": max(0, (eligible or 0) - done - failed)}
    errors = session.scalars(select(FileError).where(FileError.library_id == library.id).order_by(FileError.path))
    return {
        "id": library.id,
        "root": library.root,
        "scanned_at": library.scanned_at.isoformat() if library.scanned_at else None,
        "files": {str(media or "not media"): count for media, count in media_counts.items()},
        "analyses": analyses,
        "errors": [{"path": error.path, "stage": error.stage, "reason": error.reason} for error in errors],
    }


def user_status(session: Session, user: User, settings: Settings) -> dict[str, Any]:
    """Status of every library of a user."""
    libraries = session.scalars(select(Library).where(Library.user_id == user.id).order_by(Library.id))
    return {"user": user.name, "libraries": [library_status(session, library, settings) for library in libraries]}
