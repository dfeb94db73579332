"""Leases: named locks kept in the database with their holder, for every process and machine of an instance.

Unlike a lock in the queue, a lease says who holds it, so a lease whose holder died (killed in the
middle of a crawl or a grouping) is taken over at once by the next process that asks, instead of
blocking that work for ever. Each take and give-back is its own short transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from recognize.storage.models import Lease, utcnow


def try_take(
    session: Session, name: str, holder: str, holder_alive: Callable[[str], bool], stale_after: timedelta
) -> bool:
    """Take the lease ``name`` for ``holder``; True when taken (free, or its holder dead or silent for
    ``stale_after``), False while a live holder has it. Two processes inserting a free lease at once: one
    commit fails with IntegrityError, which the caller counts as not taken."""
    current = session.scalar(select(Lease).where(Lease.name == name))
    if current is None:
        session.add(Lease(name=name, holder=holder, taken_at=utcnow()))
        session.flush()
        return True
    taken_at = current.taken_at if current.taken_at.tzinfo else current.taken_at.replace(tzinfo=UTC)
    if holder_alive(current.holder) and utcnow() - taken_at < stale_after:
        return False
    taken = session.execute(
        update(Lease).where(Lease.name == name, Lease.holder == current.holder).values(holder=holder, taken_at=utcnow())
    )
    return taken.rowcount == 1


def give_back(session: Session, name: str, holder: str) -> None:
    """Release a lease this holder has (one taken over meanwhile is left to its new holder)."""
    session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
