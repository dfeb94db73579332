"""Instance-wide switches shared through the database, so every worker machine obeys: pause, sidecars due."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.storage.models import Control

PAUSED = "paused"


def is_paused(session: Session) -> bool:
    """Whether processing is paused for the whole instance."""
    row = session.get(Control, PAUSED)
    return row is not None and row.value == "1"


def set_paused(session: Session, paused: bool) -> None:
    """Pause (True) or resume (False) every worker."""
    session.merge(Control(key=PAUSED, value="1" if paused else "0"))


SIDECARS_DUE = "sidecars-due-"


def mark_sidecars_due(session: Session, user_id: int) -> None:
    """Note that a user's persons or tags changed, so the next tick rewrites their libraries' sidecars."""
    session.merge(Control(key=f"{SIDECARS_DUE}{user_id}", value="1"))


def take_sidecars_due(session: Session) -> list[int]:
    """The users whose sidecars are due, clearing the marks."""
    rows = list(session.scalars(select(Control).where(Control.key.startswith(SIDECARS_DUE), Control.value == "1")))
    for row in rows:
        row.value = "0"
    return [int(row.key.removeprefix(SIDECARS_DUE)) for row in rows]
