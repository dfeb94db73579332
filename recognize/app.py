"""The application object: settings plus a migrated database. Every interface builds one."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from recognize.config import USER_FACE_SETTINGS, FaceSettings, Settings, face_settings_with
from recognize.faces.persons import ClusterReport, update_persons
from recognize.faces.thresholds import with_model_thresholds
from recognize.jobs.analysis import Analysis
from recognize.jobs.registry import all_analyses
from recognize.jobs.runner import Progress, Runner, RunReport
from recognize.library.libraries import RootPolicy, add_library, find_user, get_or_create_user, user_libraries
from recognize.library.scanner import ScanReport, scan_library
from recognize.storage.database import Database, create_private_folder, redacted
from recognize.storage.models import Library, User


class SetupError(Exception):
    """recognize cannot start with these settings here; the message says why in one sentence."""


@dataclass(frozen=True)
class ProcessReport:
    """What ``process`` did: the scan of each library and the analyses run."""

    scans: dict[str, ScanReport]
    analyses: RunReport


class App:
    """Settings and database in one place; the CLI, server and tests all go through it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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

    @property
    def root_policy(self) -> RootPolicy:
        """Where libraries may be added: never around recognize's data, plain users only in allowed roots."""
        return RootPolicy(self.settings.private_paths, self.settings.libraries.allowed_roots)

    def add_library(self, root: Path, user: str | None = None) -> Library:
        """Register a folder as a library of a user (created when missing), as the operator at the command line."""
        with self.database.session() as session:
            owner = get_or_create_user(session, user or self.settings.user)
            return add_library(session, owner, root, self.root_policy, trusted=True)

    def library(self, library_id: int) -> Library | None:
        """One library by id (any user's: callers check ownership)."""
        with self.database.session() as session:
            return session.get(Library, library_id)

    @cached_property
    def analyses(self) -> dict[str, Analysis]:
        """Every analysis by name, built once per App (per worker process): loaded models stay loaded."""
        return {analysis.name: analysis for analysis in all_analyses(self.settings)}

    def libraries(self, user: str | None = None) -> list[Library]:
        """The libraries of a user (none for a user that does not exist)."""
        with self.database.session() as session:
            owner = find_user(session, user or self.settings.user)
            return user_libraries(session, owner) if owner is not None else []

    def scan(
        self, libraries: Sequence[Library], progress: Callable[[int], None] | None = None
    ) -> dict[str, ScanReport]:
        """Scan each library; returns a report per library root."""
        excluded = self.settings.private_paths
        return {library.root: scan_library(self.database, library, progress, excluded) for library in libraries}

    def analyse(self, libraries: Sequence[Library], progress: Progress | None = None) -> RunReport:
        """Run every enabled analysis to completion on these libraries, then update their users' persons."""
        report = Runner(self.database, self.settings, progress).run([library.id for library in libraries])
        for user_id in sorted({library.user_id for library in libraries}):
            self.update_persons(user_id)
        return report

    def clustering_settings(self, user: User) -> FaceSettings:
        """A user's face settings: the instance's with the user's overrides, thresholds of the embedding model."""
        faces = face_settings_with(self.settings.faces, (user.settings or {}).get("faces", {}), USER_FACE_SETTINGS)
        return with_model_thresholds(faces)

    def update_persons(self, user_id: int) -> ClusterReport:
        """Group a user's new faces into persons, with the user's clustering settings."""
        with self.database.session() as session:
            return update_persons(session, user_id, self.clustering_settings(session.get_one(User, user_id)))

    def process(self, root: Path, user: str | None = None, progress: Progress | None = None) -> ProcessReport:
        """Add the folder as a library if needed, scan it and run every enabled analysis to completion."""
        library = self.add_library(root, user)
        scans = self.scan([library])
        return ProcessReport(scans=scans, analyses=self.analyse([library], progress))

    def close(self) -> None:
        """Release database connections."""
        self.database.dispose()
