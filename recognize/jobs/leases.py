"""Holding a lease (``storage.leases``) around a piece of work, with a bounded wait, for this process and thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from recognize.jobs.liveness import identity, is_alive
from recognize.storage.database import Database
from recognize.storage.leases import give_back, try_take

STALE_AFTER = timedelta(hours=1)  # a holder on another machine that we cannot see die
POLL_SECONDS = 0.2


class LeaseHeld(Exception):
    """Another live process holds the lease; the message says which work waits."""


def holder_alive(holder: str) -> bool:
    """Whether the process a holder string (``host:pid:start#thread``) names still runs."""
    return is_alive(holder.split("#", 1)[0])


@contextmanager
def leased(database: Database, name: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the lease ``name`` while the block runs; wait at most ``wait`` seconds for it, else LeaseHeld."""
    holder = f"{identity()}#{threading.get_ident()}"
    deadline = time.monotonic() + wait
    while True:
        try:
            with database.session() as session:
                taken = try_take(session, name, holder, holder_alive, STALE_AFTER)
        except IntegrityError:  # another process took the free lease at the same moment
            taken = False
        if taken:
            break
        if time.monotonic() >= deadline:
            raise LeaseHeld(f"{name} is in progress in another process: try again shortly")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with database.session() as session:
            give_back(session, name, holder)
