"""Users and libraries: create on demand, look up, always scoped to a user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recognize.config import LIBRARY_FACE_SETTINGS, USER_FACE_SETTINGS, FaceSettings, face_settings_with
from recognize.library.confined import root_problem
from recognize.library.errors import LibraryError, Refusal
from recognize.library.roots import RootPolicy, check_root
from recognize.library.webdav_login import WebDavLogin, check_url, is_url
from recognize.storage.models import Library, User

__all__ = ["LibraryError", "RootPolicy"]


SECTIONS = ("faces", "analyses", "xmp", "nextcloud")
XMP_SETTINGS = frozenset({"sidecars"})
NEXTCLOUD_SETTINGS = frozenset({"tags", "person_tags"})
SWITCH_VALUES = {
    "on": True,
    "true": True,
    "1": True,
    "yes": True,
    "off": False,
    "false": False,
    "0": False,
    "no": False,
}


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


def add_library(
    session: Session,
    user: User,
    root: Path | str,
    policy: RootPolicy,
    trusted: bool,
    login: WebDavLogin | None = None,
) -> Library:
    """Register ``root`` as a library of ``user`` (idempotent) when the policy allows it (see ``roots``): a folder,
    or the URL of a WebDAV folder with its ``login`` (see ``webdav.check_url``; a new login replaces the old)."""
    if is_url(str(root)):
        login = login or WebDavLogin()
        recorded = check_url(str(root), list(policy.allowed_hosts), trusted, login.insecure)
    else:
        recorded = str(check_root(session, user, root, policy, trusted))
    existing = session.scalar(select(Library).where(Library.user_id == user.id, Library.root == recorded))
    library = existing or Library(user_id=user.id, root=recorded)
    if login is not None and login.user:
        library.credential = {"user": login.user, "password": login.password}
    if existing is None:
        session.add(library)
        session.flush()
    return library


def user_libraries(session: Session, user: User) -> list[Library]:
    """All libraries of ``user``, oldest first."""
    return list(session.scalars(select(Library).where(Library.user_id == user.id).order_by(Library.id)))


def parse_assignments(assignments: list[str]) -> dict[str, dict[str, str]]:
    """``["faces.detector=cnn", "analyses.text=on"]`` -> ``{"faces": {...}, "analyses": {...}}``; bad items refused."""
    parsed: dict[str, dict[str, str]] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot or section not in SECTIONS:
            raise LibraryError(
                f"{item!r}: expected faces.NAME=VALUE, analyses.NAME=on|off, xmp.sidecars=on|off or "
                "nextcloud.tags|person_tags=on|off"
            )
        parsed.setdefault(section, {})[name] = value.strip()
    return parsed


def _switches(changes: dict[str, str], names: frozenset[str], section: str = "analyses") -> dict[str, bool]:
    switches = {}
    kind = "analysis" if section == "analyses" else "setting"
    for name, value in changes.items():
        if name not in names:
            raise LibraryError(f"{section}.{name}: no such {kind} (known: {', '.join(sorted(names))})")
        if str(value).lower() not in SWITCH_VALUES:
            raise LibraryError(f"{section}.{name}={value}: expected on or off")
        switches[name] = SWITCH_VALUES[str(value).lower()]
    return switches


def _merged(
    current: dict[str, Any], changes: dict[str, dict[str, str]], base: FaceSettings, allowed: frozenset[str]
) -> dict[str, Any]:
    faces = {**current.get("faces", {}), **changes.get("faces", {})}
    try:
        validated = face_settings_with(base, faces, allowed)
    except ValueError as error:
        raise LibraryError(str(error)) from error
    return {**current, "faces": {name: getattr(validated, name) for name in faces}}


def configure_library(
    session: Session,
    library: Library,
    changes: dict[str, dict[str, str]],
    base: FaceSettings,
    analysis_names: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Set per-library face detection settings, analysis switches, XMP sidecar writing and Nextcloud tags
    (validated); returns the overrides."""
    current = library.settings or {}
    switches = {**current.get("analyses", {}), **_switches(changes.get("analyses", {}), analysis_names)}
    xmp = {**current.get("xmp", {}), **_switches(changes.get("xmp", {}), XMP_SETTINGS, "xmp")}
    nextcloud = {
        **current.get("nextcloud", {}),
        **_switches(changes.get("nextcloud", {}), NEXTCLOUD_SETTINGS, "nextcloud"),
    }
    merged = _merged(current, {"faces": changes.get("faces", {})}, base, LIBRARY_FACE_SETTINGS)
    sections = {"analyses": switches, "xmp": xmp, "nextcloud": nextcloud}
    library.settings = {**merged, **{name: values for name, values in sections.items() if values}}
    return library.settings


def configure_user(
    session: Session, user: User, changes: dict[str, dict[str, str]], base: FaceSettings
) -> dict[str, Any]:
    """Set per-user clustering settings (validated); returns the user's overrides."""
    if set(changes) - {"faces"}:
        raise LibraryError("only faces.* clustering settings can be set per user")
    user.settings = _merged(user.settings or {}, changes, base, USER_FACE_SETTINGS)
    return user.settings


def library_of(session: Session, user: User, library_id: int) -> Library:
    """A library of this user by id; another user's library is not found."""
    library = session.get(Library, library_id)
    if library is None or library.user_id != user.id:
        raise LibraryError(f"no library {library_id}", Refusal.NOT_FOUND)
    return library


def pause_library(session: Session, library_id: int, problem: str) -> None:
    """Pause a library whose folder cannot be used: nothing is scanned, analysed, served or written for it
    until its user resumes it (``resume_library``); the problem is shown to the user and the admin."""
    session.execute(update(Library).where(Library.id == library_id, Library.problem.is_(None)).values(problem=problem))


def resume_library(library: Library, policy: RootPolicy) -> None:
    """Resume a paused library once its folder is the recorded one again; LibraryError (409) saying why not."""
    problem = root_problem(library.root, policy.private_paths)
    if problem is not None:
        raise LibraryError(f"library {library.id} stays paused: {problem}", Refusal.CONFLICT)
    library.problem = None
