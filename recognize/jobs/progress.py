"""Processing status per library: file counts, analyses done / failed / pending, and the errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis as AnalysisKind
from recognize.analyses.outcomes import prerequisites_done
from recognize.analyses.registry import all_analyses
from recognize.config import Settings
from recognize.storage.models import AnalysisState, FileError, Library, MediaFile, User, utcnow

RATE_WINDOW = 600
MIN_RATE_SECONDS = 10.0


def _eligible(session: Session, library: Library, analysis: AnalysisKind) -> int:
    """Files this analysis will handle in a library it is enabled for: the right media, prerequisites done."""
    query = select(func.count()).where(
        MediaFile.library_id == library.id, MediaFile.media.in_(analysis.media), *prerequisites_done(analysis)
    )
    return session.scalar(query) or 0


def _per_minute(count: int, earliest: datetime | None) -> float:
    if not count or earliest is None:
        return 0.0
    since = earliest if earliest.tzinfo else earliest.replace(tzinfo=UTC)
    # at least MIN_RATE_SECONDS: a burst of fast results in the first second is not a rate (7,200/min was shown)
    return count / max(MIN_RATE_SECONDS, (utcnow() - since).total_seconds()) * 60


def library_status(session: Session, library: Library, settings: Settings) -> dict[str, Any]:
    """Counts and errors of one library."""
    media_counts = dict(
        session.execute(
            select(MediaFile.media, func.count()).where(MediaFile.library_id == library.id).group_by(MediaFile.media)
        ).all()
    )
    analyses: dict[str, dict[str, int]] = {}
    for analysis in all_analyses(settings):
        if not analysis.enabled_for(library.settings or {}):
            continue
        eligible = _eligible(session, library, analysis)
        states = dict(
            session.execute(
                select(AnalysisState.state, func.count())
                .join(MediaFile, MediaFile.id == AnalysisState.file_id)
                .where(MediaFile.library_id == library.id, AnalysisState.name == analysis.name)
                .group_by(AnalysisState.state)
            ).all()
        )
        done, failed, queued = states.get("done", 0), states.get("failed", 0), states.get("queued", 0)
        recent, earliest = session.execute(
            select(func.count(), func.min(AnalysisState.updated_at))
            .select_from(AnalysisState)
            .join(MediaFile, MediaFile.id == AnalysisState.file_id)
            .where(
                MediaFile.library_id == library.id,
                AnalysisState.name == analysis.name,
                AnalysisState.state.in_(("done", "failed")),
                AnalysisState.updated_at >= utcnow() - timedelta(seconds=RATE_WINDOW),
            )
        ).one()
        pending = max(0, (eligible or 0) - done - failed - queued)
        rate = _per_minute(recent or 0, earliest)
        analyses[analysis.name] = {
            "done": done,
            "failed": failed,
            "queued": queued,
            "pending": pending,
            "per_minute": round(rate, 1),
            "eta_seconds": round((pending + queued) / rate * 60) if rate and pending + queued else None,
        }
    errors = session.scalars(select(FileError).where(FileError.library_id == library.id).order_by(FileError.path))
    return {
        "id": library.id,
        "root": library.root,
        "settings": library.settings or {},
        "scanned_at": library.scanned_at.isoformat() if library.scanned_at else None,
        "paused": library.problem,
        "files": {str(media or "not media"): count for media, count in media_counts.items()},
        "analyses": analyses,
        "errors": [{"path": error.path, "stage": error.stage, "reason": error.reason} for error in errors],
    }


def user_status(session: Session, user: User, settings: Settings) -> dict[str, Any]:
    """Status of every library of a user."""
    libraries = session.scalars(select(Library).where(Library.user_id == user.id).order_by(Library.id))
    return {"user": user.name, "libraries": [library_status(session, library, settings) for library in libraries]}
