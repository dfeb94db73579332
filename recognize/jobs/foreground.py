"""``recognize process``: the same cascade as the workers, run in the foreground until the library is done."""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from recognize.jobs.cascade import register
from recognize.jobs.chunks import publish_library
from recognize.jobs.host import limit_process
from recognize.jobs.leases import LeaseHeld
from recognize.jobs.liveness import release_dead_claims
from recognize.jobs.progress import library_status
from recognize.jobs.queue import build_queue
from recognize.jobs.workspace import Workspace
from recognize.storage.models import AnalysisState, Library, MediaFile, utcnow

POLL_SECONDS = 0.1  # how soon the end of the work is noticed: while tasks wait, only the queue is counted
REPORT_SECONDS = 0.5  # how often the progress is counted in the database while tasks wait
MB = 2**20
STALL_SECONDS = 30.0
FINAL_GROUPING_WAIT = 300.0
Progress = Callable[[str, int, int], None]


@dataclass
class RunReport:
    """Files each analysis finished (done or failed) during one run."""

    done: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)


class DiskFull(Exception):
    """The data folder's disk has too little room left to go on."""


class Interrupted(Exception):
    """SIGTERM or SIGINT asked ``recognize process`` to stop."""


def _interrupt(signum: int, _frame: object) -> None:
    raise Interrupted(f"stopped by {signal.Signals(signum).name}: finished work is kept; run the command again")


def check_free_space(workspace: Workspace) -> None:
    """Raise DiskFull when the data folder's disk has less than ``jobs.min_free_mb`` free."""
    free = shutil.disk_usage(workspace.settings.home).free / MB
    if free < workspace.settings.jobs.min_free_mb:
        raise DiskFull(
            f"the disk holding the data folder {workspace.settings.home} has {free:.0f} MB free "
            f"(at least {workspace.settings.jobs.min_free_mb} MB needed): free some space and run the command again; "
            "finished work is kept"
        )


def _remaining(workspace: Workspace, library: Library) -> tuple[int, dict[str, dict[str, int]]]:
    with workspace.database.session() as session:
        fresh = session.get_one(Library, library.id)
        counts = library_status(session, fresh, workspace.settings)["analyses"]
    return sum(c["pending"] + c["queued"] for c in counts.values()), counts


def process_foreground(
    workspace: Workspace, library: Library, workers: int, progress: Progress | None = None
) -> RunReport:
    """Crawl one library and analyse every file with ``workers`` queue workers; return when all is done.
    A WebDAV library whose server cannot be used now raises RemoteUnavailable before anything starts."""
    settings = workspace.settings.model_copy(update={"workers": workers})
    check_free_space(workspace)
    if library.remote:
        workspace.remote_folder(library).check()
    limit_process(settings.jobs.niceness, settings.jobs.threads_per_worker)
    queue = build_queue(settings.resolved_queue_url)
    tasks = register(queue, settings, everything=True)
    with workspace.database.session() as session:
        release_dead_claims(session)
    started = utcnow()
    tasks.crawl(library.id)
    workspace.database.dispose()
    consumer = queue.create_consumer(
        workers=workers, worker_type="process", periodic=False, flush_locks=True, health_check_interval=1, max_delay=0.2
    )
    consumer.start()
    previous = {number: signal.signal(number, _interrupt) for number in (signal.SIGTERM, signal.SIGINT)}
    finished = False
    try:
        last_change, last_remaining, last_report = time.monotonic(), -1, 0.0
        while True:
            time.sleep(POLL_SECONDS)
            check_free_space(workspace)
            consumer.check_worker_health()
            queued = queue.pending_count()
            if queued and time.monotonic() - last_report < REPORT_SECONDS:
                continue
            last_report = time.monotonic()
            scanned = workspace.library(library.id)
            remaining, counts = _remaining(workspace, library)
            for name, c in counts.items():
                if progress:
                    progress(name, c["done"] + c["failed"], c["done"] + c["failed"] + c["pending"] + c["queued"])
            crawled = (
                scanned is not None
                and scanned.scanned_at is not None
                and scanned.scanned_at.replace(tzinfo=started.tzinfo) >= started
            )
            if crawled and remaining == 0 and queue.pending_count() == 0:
                finished = True
                break
            if remaining != last_remaining:
                last_change, last_remaining = time.monotonic(), remaining
            elif queue.pending_count() == 0 and time.monotonic() - last_change > STALL_SECONDS:
                tasks.crawl(library.id)
                last_change = time.monotonic()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        consumer.stop(graceful=finished)
    _final_clustering(workspace, library.user_id)
    publish_library(workspace, library.id)
    return _finished_since(workspace, library, started)


def _finished_since(workspace: Workspace, library: Library, started: datetime) -> RunReport:
    report = RunReport()
    with workspace.database.session() as session:
        rows = session.execute(
            select(AnalysisState.name, AnalysisState.state, func.count())
            .join(MediaFile, MediaFile.id == AnalysisState.file_id)
            .where(MediaFile.library_id == library.id, AnalysisState.updated_at >= started)
            .group_by(AnalysisState.name, AnalysisState.state)
        )
        for name, state, count in rows:
            if state in ("done", "failed"):
                getattr(report, state)[name] = count
    for name in workspace.analyses:
        report.done.setdefault(name, 0)
        report.failed.setdefault(name, 0)
    return report


def _final_clustering(workspace: Workspace, user_id: int) -> None:
    """Group what the run found; a grouping already running elsewhere is waited for (bounded), then left to it."""
    try:
        workspace.update_persons_if_due(user_id, wait=FINAL_GROUPING_WAIT)
    except LeaseHeld:
        return
