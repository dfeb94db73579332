"""What came of one file: computing it without letting one bad file stop the rest, and recording it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, select
from sqlalchemy.orm import Session, aliased

from recognize.analyses.base import Analysis, FileJob
from recognize.media.errors import MediaError
from recognize.search.documents import refresh_documents
from recognize.storage.models import AnalysisState, FileError, Library, MediaFile, utcnow


@dataclass(frozen=True)
class Outcome:
    """One file's result, or the reason it failed."""

    file_id: int
    result: Any = None
    error: str | None = None


def prerequisites_done(analysis: Analysis) -> list[ColumnElement[bool]]:
    """WHERE clauses: every analysis this one requires has finished successfully on the file."""
    clauses = []
    for required in analysis.requires:
        needed = aliased(AnalysisState)
        clauses.append(
            exists().where(and_(needed.file_id == MediaFile.id, needed.name == required, needed.state == "done"))
        )
    return clauses


def compute_outcome(analysis: Analysis, job: FileJob) -> Outcome:
    """Analyse one file; any failure becomes the file's error, never the caller's exception."""
    try:
        return Outcome(job.file_id, result=analysis.compute(job))
    except MediaError as error:
        return Outcome(job.file_id, error=str(error))
    except Exception as error:  # noqa: BLE001 - one bad file must never stop the run
        return Outcome(job.file_id, error=f"unexpected {type(error).__name__}: {error}")


def store_outcome(session: Session, analysis: Analysis, outcome: Outcome, count_attempt: bool = True) -> bool:
    """Record one outcome; False when the file vanished from the database meanwhile."""
    media_file = session.get(MediaFile, outcome.file_id)
    if media_file is None:
        return False
    row = session.get(AnalysisState, (outcome.file_id, analysis.name)) or AnalysisState(
        file_id=outcome.file_id, name=analysis.name, attempts=0
    )
    row.attempts += count_attempt
    row.claimed_by = None
    row.model = analysis.model_for(media_file.library.settings or {})
    row.updated_at = utcnow()
    if outcome.error is None:
        analysis.store(session, media_file, outcome.result)
        session.flush()
        refresh_documents(session, [media_file.id])
        row.state = "done"
    else:
        session.add(
            FileError(
                library_id=media_file.library_id,
                file_id=media_file.id,
                path=media_file.rel_path,
                stage=analysis.name,
                reason=outcome.error,
            )
        )
        row.state = "failed"
    session.merge(row)
    return True


def forget_outdated(session: Session, analysis: Analysis, library: Library) -> int:
    """Forget a library's finished results of ``analysis`` made by another model than today's (another
    embedder, classifier or detector), so the next claim makes them again; returns how many files.

    The results stay until the new ones replace them; faces found again keep their persons and the
    user's corrections (``faces.store``).
    """
    files = select(MediaFile.id).where(MediaFile.library_id == library.id)
    return session.execute(
        delete(AnalysisState).where(
            AnalysisState.name == analysis.name,
            AnalysisState.state == "done",
            AnalysisState.model != analysis.model_for(library.settings or {}),
            AnalysisState.file_id.in_(files),
        )
    ).rowcount
