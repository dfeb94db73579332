"""Foreground runner: every enabled analysis over every pending file, in worker processes.

Workers only compute (they never touch the database); the main process stores each result in
small transactions, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, select
from sqlalchemy.orm import Session, aliased

from recognize.config import Settings
from recognize.jobs.analysis import Analysis, FileJob
from recognize.jobs.registry import all_analyses
from recognize.media.errors import MediaError
from recognize.search.documents import refresh_documents
from recognize.storage.database import Database
from recognize.storage.models import Analysis as AnalysisRow
from recognize.storage.models import FileError, Library, MediaFile, utcnow

COMMIT_EVERY = 25
Progress = Callable[[str, int, int], None]


@dataclass
class RunReport:
    """Files analysed and failed, per analysis."""

    done: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)


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
        needed = aliased(AnalysisRow)
        clauses.append(
            exists().where(and_(needed.file_id == MediaFile.id, needed.name == required, needed.state == "done"))
        )
    return clauses


def pending_jobs(session: Session, library_ids: Sequence[int], analysis: Analysis) -> list[FileJob]:
    """Files of these libraries that this analysis has not handled yet and whose prerequisites succeeded."""
    own = aliased(AnalysisRow)
    query = (
        select(MediaFile.id, Library.root, MediaFile.rel_path, MediaFile.media, Library.settings)
        .join(Library, Library.id == MediaFile.library_id)
        .where(
            MediaFile.library_id.in_(library_ids),
            MediaFile.media.in_(analysis.media),
            ~exists().where(and_(own.file_id == MediaFile.id, own.name == analysis.name)),
            *prerequisites_done(analysis),
        )
        .order_by(MediaFile.id)
    )
    return [
        FileJob(file_id, Path(root) / rel_path, media, options or {})
        for file_id, root, rel_path, media, options in session.execute(query)
        if analysis.enabled_for(options or {})
    ]


_worker_analyses: dict[str, Analysis] = {}


def _start_worker(settings: Settings) -> None:
    _worker_analyses.update({analysis.name: analysis for analysis in all_analyses(settings)})


def compute_outcome(analysis: Analysis, job: FileJob) -> Outcome:
    """Analyse one file; any failure becomes the file's error, never the caller's exception."""
    try:
        return Outcome(job.file_id, result=analysis.compute(job))
    except MediaError as error:
        return Outcome(job.file_id, error=str(error))
    except Exception as error:  # noqa: BLE001 - one bad file must never stop the run
        return Outcome(job.file_id, error=f"unexpected {type(error).__name__}: {error}")


def _compute(name: str, job: FileJob) -> Outcome:
    return compute_outcome(_worker_analyses[name], job)


def store_outcome(session: Session, analysis: Analysis, outcome: Outcome, count_attempt: bool = True) -> bool:
    """Record one outcome; False when the file vanished from the database meanwhile."""
    media_file = session.get(MediaFile, outcome.file_id)
    if media_file is None:
        return False
    row = session.get(AnalysisRow, (outcome.file_id, analysis.name)) or AnalysisRow(
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
        delete(AnalysisRow).where(
            AnalysisRow.name == analysis.name,
            AnalysisRow.state == "done",
            AnalysisRow.model != analysis.model_for(library.settings or {}),
            AnalysisRow.file_id.in_(files),
        )
    ).rowcount


class Runner:
    """Runs the enabled analyses over libraries with a pool of worker processes."""

    def __init__(self, database: Database, settings: Settings, progress: Progress | None = None) -> None:
        self.database = database
        self.settings = settings
        self.analyses = all_analyses(settings)
        self.progress = progress or (lambda _name, _done, _total: None)

    def run(self, library_ids: Sequence[int]) -> RunReport:
        """Analyse every pending file of these libraries, one analysis after the other."""
        report = RunReport()
        pool = self._pool() if self.settings.workers > 1 else None
        if pool is None:
            _start_worker(self.settings)
        try:
            for analysis in self.analyses:
                with self.database.session() as session:
                    for library_id in library_ids:
                        forget_outdated(session, analysis, session.get_one(Library, library_id))
                    jobs = pending_jobs(session, library_ids, analysis)
                done, failed = self._run_one(analysis, jobs, pool)
                report.done[analysis.name] = done
                report.failed[analysis.name] = failed
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return report

    def _pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            self.settings.workers, mp_context=context, initializer=_start_worker, initargs=(self.settings,)
        )

    def _outcomes(self, analysis: Analysis, jobs: list[FileJob], pool: ProcessPoolExecutor | None) -> Iterator[Outcome]:
        if pool is None:
            return (_compute(analysis.name, job) for job in jobs)
        return pool.map(_compute, [analysis.name] * len(jobs), jobs, chunksize=2)

    def _run_one(self, analysis: Analysis, jobs: list[FileJob], pool: ProcessPoolExecutor | None) -> tuple[int, int]:
        done = failed = 0
        self.progress(analysis.name, 0, len(jobs))
        outcomes = self._outcomes(analysis, jobs, pool)
        while True:
            with self.database.session() as session:
                batch = 0
                for outcome in outcomes:
                    if store_outcome(session, analysis, outcome):
                        done += outcome.error is None
                        failed += outcome.error is not None
                    batch += 1
                    if batch == COMMIT_EVERY:
                        break
            self.progress(analysis.name, done + failed, len(jobs))
            if batch < COMMIT_EVERY:
                return done, failed
