"""Thin huey tasks over ``jobs.chunks``: they take ids, never pixels.

The cascade: a tick (every minute) queues a crawl per library whose last scan is older than
``crawl_interval``; a crawl scans its library and queues chunked analysis jobs per enabled
analysis; a faces chunk queues a clustering job for its users (one at a time per user).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from huey import Huey, crontab
from huey.exceptions import RetryTask
from sqlalchemy import select

from recognize.analyses.outcomes import forget_outdated
from recognize.config import Settings
from recognize.jobs.chunks import analyse_files, analysis_named, claim_pending, dependents, publish_library
from recognize.jobs.host import in_window, rss_mb
from recognize.jobs.leases import LeaseHeld, leased
from recognize.jobs.liveness import die_with_parent
from recognize.jobs.remote import InferenceUnavailable
from recognize.jobs.settling import grouping_can_wait
from recognize.jobs.workspace import Workspace
from recognize.library.webdav import RemoteUnavailable
from recognize.nextcloud import tags_enabled
from recognize.sidecars import sidecars_enabled
from recognize.storage.control import is_paused, mark_sidecars_due, take_sidecars_due, users_due_clustering
from recognize.storage.models import Library, utcnow

PAUSE_RETRY_SECONDS = 30
REMOTE_RETRY = 60  # seconds before a WebDAV library's server is asked again, doubling while it stays down
REMOTE_RETRY_MAX = 3600
LOCKED_RETRY_SECONDS = 2  # another worker holds the lock: try again soon, quietly (huey warns on a locked task)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tasks:
    """The registered tasks of one huey instance."""

    crawl: Any
    analyse: Any
    cluster: Any
    sidecars: Any
    tick: Any


class _Context:
    """Per-process Workspace, built lazily after the consumer forks its workers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._workspace: Workspace | None = None
        self._pid = 0

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None or self._pid != os.getpid():
            self._workspace = Workspace(self.settings)
            self._pid = os.getpid()
        return self._workspace


def register(queue: Huey, settings: Settings, everything: bool = False) -> Tasks:
    """Register the cascade's tasks on ``queue``; ``everything`` re-queues unfinished files at once (foreground).

    Long because huey registers tasks on one queue instance: each task is a closure over that queue,
    the settings and the per-process workspace, and they call one another."""
    context = _Context(settings)

    def wait_if_held() -> None:
        with context.workspace.database.session() as session:
            paused = is_paused(session)
        if paused or not in_window(settings.jobs.active_hours):
            raise RetryTask(delay=PAUSE_RETRY_SECONDS)

    def after_task() -> None:
        limit = settings.jobs.max_worker_memory_mb
        if limit and rss_mb() > limit:
            os._exit(0)

    @queue.on_startup(name="die-with-parent")
    def worker_started() -> None:
        die_with_parent()

    @queue.task(retries=1000, retry_delay=PAUSE_RETRY_SECONDS, name="crawl")
    def crawl(library_id: int) -> None:
        wait_if_held()
        workspace = context.workspace
        try:
            with leased(workspace.database, f"crawl-{library_id}"):
                library = workspace.library(library_id)
                if library is None:
                    return
                report = workspace.scan([library])[library.root]
                if report.paused:
                    return
                if report.unavailable:
                    delay = min(REMOTE_RETRY_MAX, REMOTE_RETRY * 2 ** (report.failures - 1))
                    logger.warning("library %s: %s; trying again in %s s", library_id, report.unavailable, delay)
                    raise RetryTask(delay=delay)
                for analysis in workspace.analyses.values():
                    with workspace.database.session() as session:
                        forget_outdated(session, analysis, library)
                        claimed = claim_pending(
                            session, analysis, settings.jobs.requeue_after, everything, library_id=library_id
                        )
                    queue_chunks(analysis.name, claimed)
        except LeaseHeld:
            return  # a live process crawls it now (one killed mid-crawl has its lease taken over)

    def queue_chunks(name: str, file_ids: list[int]) -> None:
        """Queue the files in chunks of at most ``chunk_size``, small enough that every local worker gets one."""
        size = max(1, min(settings.jobs.chunk_size, math.ceil(len(file_ids) / settings.workers)))
        for start in range(0, len(file_ids), size):
            analyse(name, file_ids[start : start + size])

    @queue.task(retries=1000, retry_delay=PAUSE_RETRY_SECONDS, name="analyse")
    def analyse(name: str, file_ids: list[int]) -> None:
        wait_if_held()
        workspace = context.workspace
        try:
            report = analyse_files(workspace, name, file_ids)
        except InferenceUnavailable as error:
            logger.warning("%s: holding %s job for %s s", error, name, settings.inference.retry_seconds)
            raise RetryTask(delay=settings.inference.retry_seconds) from error
        except RemoteUnavailable as error:
            logger.warning("%s: holding %s job for %s s", error, name, REMOTE_RETRY)
            raise RetryTask(delay=REMOTE_RETRY) from error
        for dependent in dependents(workspace, name):
            with workspace.database.session() as session:
                claimed = claim_pending(session, dependent, settings.jobs.requeue_after, everything, file_ids=file_ids)
            queue_chunks(dependent.name, claimed)
        if analysis_named(workspace, name).finds_faces:
            for user_id in sorted(report.users):
                cluster(user_id)
        if report.done:
            with workspace.database.session() as session:
                for user_id in report.users:
                    mark_sidecars_due(session, user_id)
        after_task()

    @queue.task(retries=1000, retry_delay=LOCKED_RETRY_SECONDS, name="cluster")
    def cluster(user_id: int) -> None:
        workspace = context.workspace
        with workspace.database.session() as session:
            if grouping_can_wait(session, user_id, workspace.analyses.values(), settings.jobs.grouping_interval):
                return  # the chunk that finishes last, or the tick, groups them all at once
        try:
            if context.workspace.update_persons_if_due(user_id, wait=0) is None:
                return
        except LeaseHeld:
            raise RetryTask(delay=LOCKED_RETRY_SECONDS) from None  # another process groups them now
        with context.workspace.database.session() as session:
            mark_sidecars_due(session, user_id)

    @queue.task(retries=1000, retry_delay=LOCKED_RETRY_SECONDS, name="sidecars")
    def sidecars(library_id: int) -> None:
        try:
            with leased(context.workspace.database, f"sidecars-{library_id}"):
                publish_library(context.workspace, library_id)
        except LeaseHeld:
            raise RetryTask(delay=LOCKED_RETRY_SECONDS) from None

    @queue.periodic_task(crontab(minute="*"), name="tick")
    def tick() -> None:
        due = utcnow() - timedelta(seconds=settings.jobs.crawl_interval)
        with context.workspace.database.session() as session:
            for library in session.scalars(select(Library)):
                scanned = library.scanned_at
                if scanned is None or scanned.replace(tzinfo=due.tzinfo) < due:
                    crawl(library.id)
            for user_id in users_due_clustering(session):
                cluster(user_id)
            users = take_sidecars_due(session)
            for library in session.scalars(select(Library).where(Library.user_id.in_(users))):
                if sidecars_enabled(library, settings) or tags_enabled(library):
                    sidecars(library.id)

    return Tasks(crawl=crawl, analyse=analyse, cluster=cluster, sidecars=sidecars, tick=tick)
