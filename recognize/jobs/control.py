"""Pause and resume, shared through the database so every worker machine obeys."""

from __future__ import annotations

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
