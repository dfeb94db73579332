"""``recognize worker``: a huey consumer on this machine, plus filesystem events for new files.

Any number of machines may run one: they share the database and the queue and must see the
libraries at the same paths. A periodic tick (every minute) re-crawls libraries whose last scan
is older than ``crawl_interval``, the safety net under the filesystem events.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from huey.consumer import ConsumerStopped
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from recognize.jobs.cascade import Tasks, register
from recognize.jobs.host import limit_process
from recognize.jobs.liveness import die_with_parent, release_dead_claims
from recognize.jobs.queue import build_queue
from recognize.jobs.workspace import Workspace
from recognize.storage.models import Library

DEBOUNCE_SECONDS = 5.0


class LibraryEvents(FileSystemEventHandler):
    """Queues one crawl of a library a few seconds after its files stop changing."""

    def __init__(self, tasks: Tasks, library_id: int) -> None:
        self.tasks = tasks
        self.library_id = library_id
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(DEBOUNCE_SECONDS, self.tasks.crawl, args=(self.library_id,))
            self._timer.daemon = True
            self._timer.start()


def watch_libraries(workspace: Workspace, tasks: Tasks) -> Observer:
    """An observer over every library folder this machine can see."""
    observer = Observer()
    with workspace.database.session() as session:
        libraries = [(library.id, library.root) for library in session.query(Library) if not library.remote]
    for library_id, root in libraries:
        if Path(root).is_dir():
            observer.schedule(LibraryEvents(tasks, library_id), root, recursive=True)
    observer.daemon = True
    return observer


def run_worker(
    workspace: Workspace, workers: int | None = None, verbose: bool = False, started: Callable[[], object] | None = None
) -> None:
    """Consume the queue until interrupted (SIGINT/SIGTERM finish running tasks first).

    Library logs (huey, alembic) show at WARNING unless ``verbose``; ``started`` runs once the workers are up."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    settings = workspace.settings.model_copy(update={"workers": workers or workspace.settings.workers})
    limit_process(settings.jobs.niceness, settings.jobs.threads_per_worker)
    queue = build_queue(settings.resolved_queue_url)
    tasks = register(queue, settings)
    with workspace.database.session() as session:
        released = release_dead_claims(session)
    if released:
        logging.getLogger(__name__).warning("took back %s files that stopped workers left unfinished", released)
    observer = watch_libraries(workspace, tasks) if settings.jobs.watch else None
    workspace.database.dispose()
    # Every process the consumer forks (workers and huey's scheduler, which runs no startup hook) dies with it.
    os.register_at_fork(after_in_child=die_with_parent)
    consumer = queue.create_consumer(workers=settings.workers, worker_type="process", flush_locks=True)
    consumer.start()
    if observer is not None:
        observer.start()
        watched = len(observer.emitters)
        logging.getLogger(__name__).info("watching %s library folder%s for new files", watched, "s" * (watched != 1))
    if started is not None:
        started()
    health = None
    try:
        while True:
            health = consumer.loop(health)
    except ConsumerStopped:
        pass
    finally:
        if observer is not None:
            observer.stop()
