"""Users and libraries: create on demand, look up, always scoped to a user."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.storage.models import Library, User


class LibraryError(Exception):
    """A library operation was refused; the message says why."""


def get_or_create_user(session: Session, name: str) -> User:
    """The user called ``name``, created (without password) when missing."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name`` or None."""
    return session.scalar(select(User).where(User.name == name))


def add_library(session: Session, user: User, root: Path) -> Library:
    """Register ``root`` as a library of ``user`` (idempotent); the folder must exist."""
    resolved = root.expanduser().resolve()
    if not resolved.is_dir():
        raise LibraryError(f"{root}: not a folder")
    existing = session.scalar(select(Library).where(Library.user_id == user.id, Library.root == str(resolved)))
    if existing is not None:
        return existing
    library = Library(user_id=user.id, root=str(resolved))
    session.add(library)
    session.flush()
    return library


def user_libraries(session: Session, user: User) -> list[Library]:
    """All libraries of ``user``, oldest first."""
    return list(session.scalars(select(Library).where(Library.user_id == user.id).order_by(Library.id)))
