"""Instance-wide switches shared through the database, so every worker machine obeys: pause, sidecars and
clustering due."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
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


CLUSTERING_DUE = "clustering-due-"
NEVER_MARKED = "never-marked"


def _inserted(session: Session, key: str, value: str) -> bool:
    """Add a control row; False when another transaction added that key first."""
    try:
        with session.begin_nested():
            session.add(Control(key=key, value=value))
    except IntegrityError:
        return False
    return True


def mark_clustering_due(session: Session, user_id: int) -> None:
    """Note that a user has faces the clustering has not seen: a new token, so a clustering already under
    way does not clear the mark."""
    key, token = f"{CLUSTERING_DUE}{user_id}", uuid.uuid4().hex
    renew = update(Control).where(Control.key == key).values(value=token)
    if not session.execute(renew).rowcount and not _inserted(session, key, token):
        session.execute(renew)


def clustering_due(session: Session, user_id: int) -> str | None:
    """The token of a user's pending clustering, or None when it saw every face (a user never marked is due)."""
    row = session.get(Control, f"{CLUSTERING_DUE}{user_id}")
    if row is None:
        return NEVER_MARKED
    return row.value or None


def clear_clustering_due(session: Session, user_id: int, token: str) -> None:
    """Mark a user's clustering done, unless faces were stored after ``token`` was read."""
    key = f"{CLUSTERING_DUE}{user_id}"
    if token == NEVER_MARKED:
        _inserted(session, key, "")
    else:
        session.execute(update(Control).where(Control.key == key, Control.value == token).values(value=""))


def users_due_clustering(session: Session) -> list[int]:
    """The users with faces their last clustering did not see (marked since)."""
    rows = session.scalars(select(Control.key).where(Control.key.startswith(CLUSTERING_DUE), Control.value != ""))
    return sorted(int(key.removeprefix(CLUSTERING_DUE)) for key in rows)


REMOTE_DOWN = "remote-down-"


def count_remote_failure(session: Session, library_id: int) -> int:
    """One more failed attempt to reach a WebDAV library's server; returns how many in a row."""
    row = session.get(Control, f"{REMOTE_DOWN}{library_id}")
    failures = (int(row.value) if row is not None else 0) + 1
    session.merge(Control(key=f"{REMOTE_DOWN}{library_id}", value=str(failures)))
    return failures


def clear_remote_failures(session: Session, library_id: int) -> None:
    """The server answered again: the next failure starts the back-off afresh."""
    row = session.get(Control, f"{REMOTE_DOWN}{library_id}")
    if row is not None:
        session.delete(row)
