"""What the queue's tasks do, as plain functions over ids: testable without a queue, safe to repeat.

A file's ``analyses`` row is its state for one analysis: ``queued`` (handed to the queue, with the
time), ``done`` or ``failed``. A chunk that dies with its worker leaves ``queued`` rows with
attempts counted; they are queued again after ``requeue_after`` seconds, and a file that used up
``max_attempts`` is marked failed instead of blocking the queue. Storing replaces a file's earlier
result, so doing a file twice never duplicates faces.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session, aliased

from recognize.analyses.base import Analysis, FileJob
from recognize.analyses.outcomes import Outcome, prerequisites_done, store_outcome
from recognize.analyses.registry import ANALYSES
from recognize.export import file_location
from recognize.jobs import remote
from recognize.jobs.liveness import identity
from recognize.jobs.workspace import Workspace
from recognize.library.confined import OutsideLibrary, RootChanged
from recognize.library.webdav import RemoteUnavailable
from recognize.media.sidecar_files import sidecars_of
from recognize.nextcloud import SystemTags, sync_tags, tags_enabled
from recognize.sidecars import sidecars_enabled, write_sidecars
from recognize.storage.models import AnalysisState, FileError, Library, MediaFile, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkReport:
    """What one analysis chunk did."""

    done: int
    failed: int
    skipped: int
    users: frozenset[int]


def analysis_named(workspace: Workspace, name: str) -> Analysis:
    """The analysis called ``name`` (the Workspace's instance, whose models stay loaded between chunks)."""
    try:
        return workspace.analyses[name]
    except KeyError:
        raise KeyError(f"no analysis {name!r}") from None


def claim_pending(
    session: Session,
    analysis: Analysis,
    requeue_after: int,
    everything: bool = False,
    library_id: int | None = None,
    file_ids: Sequence[int] | None = None,
) -> list[int]:
    """Mark the files (of a library, or among some ids) this analysis still has to do as queued; return their ids.

    Files never seen by the analysis are always claimed; queued files only once their claim is
    older than ``requeue_after`` seconds (or with ``everything``, when one process owns the run).
    """
    own = aliased(AnalysisState)
    stale = utcnow() - timedelta(seconds=requeue_after)
    query = (
        select(MediaFile.id, own.file_id, Library.settings)
        .join(Library, Library.id == MediaFile.library_id)
        .outerjoin(own, and_(own.file_id == MediaFile.id, own.name == analysis.name))
        .where(
            MediaFile.media.in_(analysis.media),
            or_(own.file_id.is_(None), and_(own.state == "queued", True if everything else own.updated_at < stale)),
        )
        .order_by(MediaFile.id)
    )
    if library_id is not None:
        query = query.where(MediaFile.library_id == library_id)
    if file_ids is not None:
        query = query.where(MediaFile.id.in_(list(file_ids)))
    query = query.where(Library.problem.is_(None), *prerequisites_done(analysis))
    claimed = []
    for file_id, existing, options in session.execute(query).all():
        if not analysis.enabled_for(options or {}):
            continue
        if existing is None:
            session.add(
                AnalysisState(file_id=file_id, name=analysis.name, state="queued", attempts=0, updated_at=utcnow())
            )
        else:
            session.get_one(AnalysisState, (file_id, analysis.name)).updated_at = utcnow()
        claimed.append(file_id)
    return claimed


def _begin(session: Session, analysis: Analysis, file_id: int, max_attempts: int) -> _Claimed | None:
    """Count an attempt and return the job, or None when the file is gone, finished, or out of attempts."""
    row = session.get(AnalysisState, (file_id, analysis.name))
    media_file = session.get(MediaFile, file_id)
    if media_file is None or media_file.library.problem or (row is not None and row.state in ("done", "failed")):
        return None
    if row is None:
        row = AnalysisState(file_id=file_id, name=analysis.name, state="queued", attempts=0)
        session.add(row)
    if row.attempts >= max_attempts:
        store_outcome(
            session,
            analysis,
            Outcome(file_id, error=f"gave up after {row.attempts} attempts (the worker crashed or was killed)"),
            count_attempt=False,
        )
        return None
    row.attempts += 1
    row.updated_at = utcnow()
    row.claimed_by = identity()
    library = media_file.library
    job = FileJob(file_id, Path(library.root) / media_file.rel_path, media_file.media or "", library.settings or {})
    return _Claimed(job, library, media_file.rel_path, media_file.content_hash or "")


@dataclass(frozen=True)
class _Claimed:
    job: FileJob
    library: Library
    rel_path: str
    version: str  # the content hash: a WebDAV file's id and ETag


def _compute_inside(workspace: Workspace, analysis: Analysis, claimed: _Claimed) -> Outcome:
    """Compute with the file (and its sidecars) opened when computing starts (``Workspace.open_file``: inside
    its library, or fetched from a WebDAV library's server); a file that leads out of it fails with the reason,
    and a replaced library folder pauses the library (RootChanged)."""
    job, library = claimed.job, claimed.library
    root = workspace.library_root(library)
    names = [claimed.rel_path]
    if analysis.reads_sidecars and not library.remote:
        names += [os.path.relpath(path, root) for path in sidecars_of(job.path)]
    try:
        with ExitStack() as opened:
            handles = []
            for name in names:
                descriptor = workspace.open_file(library, name, claimed.version)
                opened.callback(os.close, descriptor)
                handles.append(Path(f"/proc/self/fd/{descriptor}"))
            outcome = remote.compute(
                workspace.settings.inference, analysis, replace(job, path=handles[0], sidecars=tuple(handles[1:]))
            )
    except RootChanged:
        raise
    except OutsideLibrary as error:
        return Outcome(job.file_id, error=str(error))
    except FileNotFoundError:
        return Outcome(job.file_id, error=f"{job.path}: vanished since the scan")
    except OSError as error:
        return Outcome(job.file_id, error=f"{job.path}: cannot open: {error.strerror or error}")
    if outcome.error:
        for handle, name in zip(handles, names, strict=True):
            outcome = replace(outcome, error=outcome.error.replace(str(handle), file_location(library, name)))
    return outcome


def analyse_files(workspace: Workspace, name: str, file_ids: Sequence[int]) -> ChunkReport:
    """Run one analysis over some files in this process, one committed transaction per file."""
    analysis = analysis_named(workspace, name)
    done = failed = skipped = 0
    users: set[int] = set()
    for file_id in file_ids:
        with workspace.database.session() as session:
            claimed = _begin(session, analysis, file_id, workspace.settings.jobs.max_attempts)
        if claimed is None:
            skipped += 1
            continue
        try:
            outcome = _compute_inside(workspace, analysis, claimed)
        except RootChanged:  # the library is paused: the file waits for it, its attempt not counted
            _give_back_attempt(workspace, file_id, analysis.name)
            skipped += 1
            continue
        except (remote.InferenceUnavailable, RemoteUnavailable):
            _give_back_attempt(workspace, file_id, analysis.name)
            raise
        with workspace.database.session() as session:
            if store_outcome(session, analysis, outcome, count_attempt=False):
                done += outcome.error is None
                failed += outcome.error is not None
                users.add(session.get_one(MediaFile, file_id).library.user_id)
    return ChunkReport(done, failed, skipped, frozenset(users))


def _give_back_attempt(workspace: Workspace, file_id: int, name: str) -> None:
    """Uncount the attempt ``_begin`` counted: the file was not tried (its library or a server was away)."""
    with workspace.database.session() as session:
        session.get_one(AnalysisState, (file_id, name)).attempts -= 1


def dependents(workspace: Workspace, name: str) -> list[Analysis]:
    """Analyses that need ``name`` done first (faces need metadata)."""
    return [analysis for analysis in workspace.analyses.values() if name in analysis.requires]


def analyse_again(session: Session, user_id: int, name: str, library_id: int | None = None) -> int:
    """Forget one analysis's state (and its errors) for a user's files so it runs again, with today's
    settings; the earlier results stay until the new ones replace them. Returns how many files.

    Faces found again keep their persons and the user's corrections (``faces.store``).
    """
    kinds = {kind.name: kind for kind in ANALYSES}
    if name not in kinds:
        raise ValueError(f"no analysis {name!r} (known: {', '.join(sorted(kinds))})")
    files = select(MediaFile.id).join(Library).where(Library.user_id == user_id)
    if library_id is not None:
        files = files.where(MediaFile.library_id == library_id)
    forgotten = session.execute(
        delete(AnalysisState).where(AnalysisState.name == name, AnalysisState.file_id.in_(files))
    ).rowcount
    session.execute(delete(FileError).where(FileError.stage == name, FileError.file_id.in_(files)))
    return forgotten


def publish_library(workspace: Workspace, library_id: int) -> None:
    """Put what recognize knows where the library asks for it: XMP sidecars next to its photos, tags into its
    Nextcloud (each only when the library's settings turn it on)."""
    write_library_sidecars(workspace, library_id)
    with workspace.database.session() as session:
        library = session.get(Library, library_id)
        if library is None or not tags_enabled(library) or library.problem:
            return
        tags = SystemTags(library, workspace.settings.libraries.webdav_timeout)
        try:
            report = sync_tags(session, library, tags)
        finally:
            tags.close()
    for failure in report.failed:
        logger.warning("library %s: Nextcloud tag not synced: %s", library_id, failure)


def write_library_sidecars(workspace: Workspace, library_id: int) -> int:
    """Write the sidecars next to a library's photos when the library asks for them; returns how many changed."""
    with workspace.database.session() as session:
        library = session.get(Library, library_id)
        if library is None or not sidecars_enabled(library, workspace.settings):
            return 0
        try:
            workspace.library_root(library)
        except RootChanged:
            return 0
        report = write_sidecars(session, library, None, workspace.private_paths)
    for failure in report.failed:
        logger.warning("sidecar not written: %s", failure)
    return report.written
