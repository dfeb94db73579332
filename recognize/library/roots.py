"""Where a library may live: inside the roots its user was given, never around recognize's own data.

Every path is resolved first (``~``, ``.``, ``..`` and symlinks), so a link cannot smuggle a library
into a forbidden place. A library may not contain or lie inside the data folder (database, session
key, queue) or another user's library; a plain user adds libraries only inside the instance's
``libraries.allowed_roots`` or their own roots (``recognize user roots``); an admin may add any folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.library.errors import LibraryError, Refusal
from recognize.storage.models import Library, User


@dataclass(frozen=True)
class RootPolicy:
    """The places a library must keep out of, and the roots plain users may add libraries in."""

    private_paths: Sequence[Path] = ()
    allowed_roots: Sequence[Path] = field(default_factory=tuple)
    allowed_hosts: Sequence[str] = field(default_factory=tuple)  # WebDAV servers plain users may use


def resolve_folder(path: str | Path) -> Path:
    """``path`` with ``~`` expanded and every ``.``, ``..`` and symlink resolved."""
    text = os.path.expanduser(str(path))
    if "\x00" in text:
        raise LibraryError(f"{path!r}: a path cannot contain a NUL character")
    return Path(os.path.realpath(text))


def overlaps(first: Path, second: Path) -> bool:
    """True when one path is the other or lies inside it."""
    return first == second or first.is_relative_to(second) or second.is_relative_to(first)


def is_private(path: Path, private_paths: Sequence[Path]) -> bool:
    """True when ``path`` (resolved) is or lies inside one of recognize's own paths."""
    return any(path == private or path.is_relative_to(private) for private in private_paths)


def user_roots(user: User) -> list[Path]:
    """The roots an administrator gave this user, resolved."""
    return [resolve_folder(root) for root in user.library_roots or []]


def check_root(session: Session, user: User, folder: str | Path, policy: RootPolicy, trusted: bool) -> Path:
    """The resolved folder when ``user`` may have it as a library; raises LibraryError saying why not.

    ``trusted`` is an administrator (or the operator at the command line): any folder, but still
    never around recognize's data or another user's library.
    """
    if not trusted:
        # Checked first, on the resolved name alone: outside their roots a plain user learns nothing more
        # (not whether the folder exists, nor where another user's library is).
        root = resolve_folder(folder)
        allowed = [resolve_folder(path) for path in policy.allowed_roots] + user_roots(user)
        if not any(root == given or root.is_relative_to(given) for given in allowed):
            raise LibraryError(
                f"{folder}: outside the folders you may add libraries from; an administrator can allow it "
                "(libraries.allowed_roots, or `recognize user roots`)",
                Refusal.FORBIDDEN,
            )
    root = checked_user_root(folder, policy.private_paths)
    others = session.scalars(select(Library.root).where(Library.user_id != user.id))
    if any(overlaps(root, Path(other)) for other in others):
        raise LibraryError(f"{folder}: overlaps another user's library", Refusal.FORBIDDEN)
    return root


def checked_user_root(folder: str | Path, private_paths: Sequence[Path]) -> Path:
    """``folder`` resolved, when it can be given to a user as a root: an existing folder apart from recognize's data."""
    root = resolve_folder(folder)
    try:
        is_folder = root.is_dir()
    except OSError as error:  # a name too long for the file system, a folder it may not look into
        raise LibraryError(f"{folder}: {error.strerror or error}") from None
    if not is_folder:
        raise LibraryError(f"{folder}: not a folder")
    if any(overlaps(root, private) for private in private_paths):
        raise LibraryError(
            f"{folder}: contains or lies inside recognize's own data; choose a folder of photos", Refusal.FORBIDDEN
        )
    return root
