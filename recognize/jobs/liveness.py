"""Work of dead workers is taken back at once; workers die with the process that started them.

Each file a worker starts is marked with the worker's identity (host, pid and the process's start
time, so a reused pid is not mistaken for the old process). When a service, worker or ``process``
command starts on a host, files still marked by processes of that host that no longer exist are
released: they are queued again by the start-up crawl instead of waiting for ``requeue_after``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.storage.models import AnalysisState

PR_SET_PDEATHSIG = 1
RELEASED_AT = datetime(1970, 1, 1, tzinfo=UTC)


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[19]


def identity(pid: int | None = None) -> str:
    """``host:pid:start`` of this (or another live) process."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or 0}"


def is_alive(claim: str) -> bool:
    """Whether the process a claim names still runs (claims of other hosts are assumed alive)."""
    host, _, rest = claim.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    return _start_ticks(int(pid)) == start


def release_dead_claims(session: Session) -> int:
    """Release the files that dead workers of this host were working on; returns how many."""
    rows = session.scalars(
        select(AnalysisState).where(
            AnalysisState.state == "queued",
            AnalysisState.claimed_by.like(f"{socket.gethostname()}:%"),
        )
    )
    released = 0
    for row in rows:
        if row.claimed_by is not None and not is_alive(row.claimed_by):
            row.claimed_by = None
            row.updated_at = RELEASED_AT
            released += 1
    return released


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux; a no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
