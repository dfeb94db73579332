"""The application: a workspace plus the operator's library management and ``process``. Every interface builds one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from recognize.jobs.workspace import SetupError, Workspace
from recognize.library.libraries import RootPolicy, add_library, find_user, get_or_create_user, user_libraries
from recognize.library.webdav_login import WebDavLogin
from recognize.storage.models import Library

if TYPE_CHECKING:
    from recognize.jobs.cascade import Tasks
    from recognize.jobs.foreground import Progress, RunReport

__all__ = ["App", "SetupError"]


class App(Workspace):
    """Settings and database in one place; the CLI, server and tests all go through it."""

    @property
    def root_policy(self) -> RootPolicy:
        """Where libraries may be added: never around recognize's data, plain users only in allowed roots."""
        libraries = self.settings.libraries
        return RootPolicy(self.private_paths, libraries.allowed_roots, libraries.allowed_hosts)

    def add_library(self, root: Path | str, user: str | None = None, login: WebDavLogin | None = None) -> Library:
        """Register a folder, or a WebDAV folder's URL with its login, as a library of a user (created when
        missing), as the operator at the command line."""
        with self.database.session() as session:
            owner = get_or_create_user(session, user or self.settings.user)
            return add_library(session, owner, root, self.root_policy, trusted=True, login=login)

    def libraries(self, user: str | None = None) -> list[Library]:
        """The libraries of a user (none for a user that does not exist)."""
        with self.database.session() as session:
            owner = find_user(session, user or self.settings.user)
            return user_libraries(session, owner) if owner is not None else []

    def tasks(self) -> Tasks:
        """The queue's tasks (crawl, analyse, cluster...) to hand work to the workers: the one way the
        interfaces reach the queue (imported here, not by every command)."""
        from recognize.jobs.cascade import register
        from recognize.jobs.queue import build_queue

        return register(build_queue(self.settings.resolved_queue_url), self.settings)

    def process(
        self,
        root: Path | str,
        user: str | None = None,
        workers: int | None = None,
        progress: Progress | None = None,
        login: WebDavLogin | None = None,
    ) -> RunReport:
        """Add the folder as a library if needed, then crawl and analyse it with the queue's workers until done
        (what ``recognize process`` runs; the queue is imported here, not by every command)."""
        from recognize.jobs.foreground import process_foreground

        library = self.add_library(root, user, login)
        return process_foreground(self, library, workers or self.settings.workers, progress)
