"""What every job needs in its process: the settings, the migrated database, and the analyses with their models."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from recognize.analyses.base import Analysis
from recognize.analyses.registry import all_analyses
from recognize.config import USER_FACE_SETTINGS, FaceSettings, Settings, face_settings_with
from recognize.jobs.leases import leased
from recognize.library.confined import RootChanged, open_beneath, root_problem
from recognize.library.libraries import pause_library
from recognize.storage.control import clear_clustering_due, clustering_due
from recognize.storage.database import Database, create_private_folder, redacted
from recognize.storage.models import Library, User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recognize.faces.confirmations import Question
    from recognize.faces.grouping import ClusterReport
    from recognize.faces.question_cache import QuestionCache
    from recognize.faces.vectors import FaceVectors
    from recognize.library.scanner import ScanReport
    from recognize.library.webdav import WebDavCache, WebDavFolder

logger = logging.getLogger(__name__)
GROUPING_WAIT = 30.0  # seconds an answer or a recluster waits for a grouping in progress elsewhere


class SetupError(Exception):
    """recognize cannot start with these settings here; the message says why in one sentence."""


class Workspace:
    """Settings and a migrated database in one place; jobs build one per worker process.

    Scanning, clustering and the models are imported by the methods that use them, so a command that
    only reads the database starts quickly."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._remote_folders: dict[tuple[int, str, str], WebDavFolder] = {}
        home = settings.home
        try:
            create_private_folder(home)
        except OSError as error:
            raise SetupError(f"cannot create the data folder {home}: {error.strerror or error}") from error
        if not os.access(home, os.W_OK | os.X_OK):
            raise SetupError(f"the data folder {home} is not writable by this user: choose another with --data-dir")
        try:
            self.database = Database(settings.resolved_database_url, settings.database_busy_timeout)
            self.database.migrate()
        except (OSError, SQLAlchemyError) as error:
            reason = getattr(error, "orig", None) or getattr(error, "strerror", None) or error
            raise SetupError(
                f"cannot open the database ({redacted(settings.resolved_database_url)}): {reason}"
            ) from error

    @cached_property
    def private_paths(self) -> list[Path]:
        """``settings.private_paths``, resolved once: every file request checks them."""
        return self.settings.private_paths

    @cached_property
    def question_cache(self) -> QuestionCache:
        """Each user's latest list of questions, kept between requests (``faces/question_cache.py``)."""
        from recognize.faces.question_cache import QuestionCache

        return QuestionCache(self.database, self.face_vectors)

    @cached_property
    def face_vectors(self) -> FaceVectors:
        """The face vectors this process has read, kept for the next grouping or questions (``faces/vectors.py``)."""
        from recognize.faces.vectors import FaceVectors

        return FaceVectors()

    def questions(self, session: Session, user: User, limit: int, kinds: Sequence[str] | None = None) -> list[Question]:
        """The first ``limit`` questions (of ``kinds``, every kind by default) worth asking the user now, best
        first, with the user's settings."""
        from recognize.faces.confirmations import KINDS

        return self.question_cache.questions(session, user.id, self.clustering_settings(user), limit, kinds or KINDS)

    def merge_suggestions(
        self, session: Session, user: User, person_id: int | None = None, limit: int = 50
    ) -> list[tuple[int, int, float]]:
        """Pairs of the user's persons that may be one (``persons.suggest_merges``), from the kept persons."""
        return self.question_cache.suggestions(session, user.id, self.clustering_settings(user), person_id, limit)

    @cached_property
    def analyses(self) -> dict[str, Analysis]:
        """Every analysis by name, built once per process: loaded models stay loaded."""
        return {analysis.name: analysis for analysis in all_analyses(self.settings)}

    def library_root(self, library: Library) -> str:
        """The library's folder when it may be used now. Otherwise the library is paused, with the reason
        recorded for its user and the admin, and RootChanged is raised: nothing is read, served or written."""
        problem = library.problem or (None if library.remote else root_problem(library.root, self.private_paths))
        if problem is None:
            return library.root
        if library.problem is None:
            with self.database.session() as session:
                pause_library(session, library.id, problem)
            logger.warning("library %s paused: %s", library.id, problem)
        raise RootChanged(f"library {library.id} is paused: {problem}")

    def open_file(self, library: Library, rel_path: str, version: str) -> int:
        """A read-only descriptor of a library's file: opened beneath its root (``library.confined``), or a
        WebDAV library's file (``version``: its content hash) fetched into the bounded cache. Raises RootChanged
        (the library is paused), OutsideLibrary, OSError or RemoteUnavailable."""
        root = self.library_root(library)
        if library.remote:
            fetched = self.webdav_cache.path(self.remote_folder(library), rel_path, version)
            return os.open(fetched, os.O_RDONLY | os.O_CLOEXEC)
        return open_beneath(root, rel_path, self.private_paths)

    def remote_folder(self, library: Library) -> WebDavFolder:
        """A WebDAV library's folder on its server, with the library's login; kept while the login is the same,
        so the files of a chunk reuse one connection."""
        from recognize.library.webdav import WebDavFolder

        key = (library.id, library.root, repr(sorted((library.credential or {}).items())))
        if key not in self._remote_folders:
            self._remote_folders[key] = WebDavFolder(
                library.root, library.credential, self.settings.libraries.webdav_timeout
            )
        return self._remote_folders[key]

    @cached_property
    def webdav_cache(self) -> WebDavCache:
        """Where files of WebDAV libraries are fetched to while they are analysed (bounded)."""
        from recognize.library.webdav import WebDavCache

        return WebDavCache(self.settings.home / "webdav-cache", self.settings.libraries.webdav_cache_mb)

    def library(self, library_id: int) -> Library | None:
        """One library by id (any user's: callers check ownership)."""
        with self.database.session() as session:
            return session.get(Library, library_id)

    def scan(
        self, libraries: Sequence[Library], progress: Callable[[int], None] | None = None
    ) -> dict[str, ScanReport]:
        """Scan each library; returns a report per library root."""
        from recognize.library.scanner import ScanReport, record_unavailable, scan_library
        from recognize.library.webdav import RemoteUnavailable

        reports = {}
        for library in libraries:
            try:
                self.library_root(library)
            except RootChanged as error:
                reports[library.root] = ScanReport(paused=str(error))
                continue
            remote = self.remote_folder(library) if library.remote else None
            try:
                reports[library.root] = scan_library(self.database, library, progress, self.private_paths, remote)
            except RemoteUnavailable as error:
                with self.database.session() as session:
                    failures = record_unavailable(session, library.id, str(error))
                reports[library.root] = ScanReport(unavailable=str(error), failures=failures)
        return reports

    def clustering_settings(self, user: User) -> FaceSettings:
        """A user's face settings: the instance's with the user's overrides, thresholds of the embedding model."""
        from recognize.faces.thresholds import with_model_thresholds

        faces = face_settings_with(self.settings.faces, (user.settings or {}).get("faces", {}), USER_FACE_SETTINGS)
        return with_model_thresholds(faces)

    def update_persons(self, user_id: int, wait: float | None = None, everything: bool = False) -> ClusterReport:
        """Group a user's new faces (every waiting face with ``everything``) into persons, with the user's
        clustering settings, under the user's grouping lease (the workers, the API and the CLI take turns;
        LeaseHeld after ``wait`` seconds)."""
        with self._grouping_lease(user_id, wait), self.database.session() as session:
            return self._group(session, user_id, everything=everything)

    def update_persons_if_due(self, user_id: int, wait: float | None = None) -> ClusterReport | None:
        """``update_persons`` when faces were stored since the user's last clustering, then the user's questions
        made and stored for the server (``QuestionCache.remember``); None when nothing was due."""
        with self.database.session() as session:
            token = clustering_due(session, user_id)
        if token is None:
            return None
        report = self.update_persons(user_id, wait)
        with self.database.session() as session:
            clear_clustering_due(session, user_id, token)
            settings = self.clustering_settings(session.get_one(User, user_id))
        self.question_cache.remember(user_id, settings)
        return report

    def answer_question(
        self, user_id: int, question_id: str, reply: str, wait: float | None = None, excepted: Sequence[int] = ()
    ) -> None:
        """Apply one answer to a question and group the waiting faces again, as one operation under the user's
        grouping lease, committed before it returns (the API, the CLI and the UI all answer this way)."""
        from recognize.faces import confirmations

        with self._grouping_lease(user_id, wait), self.database.session() as session:
            group = None
            if question_id.startswith("group-"):
                user = session.get_one(User, user_id)
                group = self.question_cache.asked(session, user_id, self.clustering_settings(user), question_id)
            changed = confirmations.answer(session, user_id, question_id, reply, group, excepted)
            session.flush()
            if reply != "skip":
                self._group(session, user_id, changed.persons, changed.faces)

    def _grouping_lease(self, user_id: int, wait: float | None) -> AbstractContextManager[None]:
        return leased(self.database, f"cluster-{user_id}", GROUPING_WAIT if wait is None else wait)

    def _group(
        self,
        session: Session,
        user_id: int,
        changed: Sequence[int] = (),
        changed_faces: Sequence[int] = (),
        everything: bool = False,
    ) -> ClusterReport:
        from recognize.faces.grouping import update_persons

        settings = self.clustering_settings(session.get_one(User, user_id))
        return update_persons(session, user_id, settings, changed, changed_faces, everything, self.face_vectors)

    def close(self) -> None:
        """Release database connections."""
        self.database.dispose()
