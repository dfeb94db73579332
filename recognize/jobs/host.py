"""Keeping the host usable: niceness, thread caps, an active time window, a memory ceiling."""

from __future__ import annotations

import os
import resource
from datetime import datetime, time

from threadpoolctl import threadpool_limits

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def limit_process(niceness: int, threads: int) -> None:
    """Lower this process's priority (children inherit it) and cap the threads of BLAS and OpenMP pools."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.nice(niceness - current)
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    threadpool_limits(limits=threads)


def parse_window(spec: str) -> tuple[time, time]:
    """``"01:00-07:00"`` -> (01:00, 07:00); a window may cross midnight."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError as error:
        raise ValueError(f"active_hours {spec!r}: expected HH:MM-HH:MM") from error
    return start, end


def in_window(spec: str | None, now: datetime | None = None) -> bool:
    """Whether work may run now (always, without a window)."""
    if not spec:
        return True
    start, end = parse_window(spec)
    moment = (now or datetime.now()).time()
    return start <= moment < end if start <= end else moment >= start or moment < end


def rss_mb() -> float:
    """This process's resident memory in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20
