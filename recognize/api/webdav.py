"""WebDAV (wsgidav with a custom provider): a collection per person, unassigned faces, tags.

Under ``/dav/<user>/``:
- ``persons/<name or id>/<file id>-<file name>``: that person's photos (GET: the original bytes).
  MOVE of a photo to another person's collection reassigns that face; MOVE of a person collection
  renames the person; DELETE of a photo unassigns that face (the photo itself is never deleted);
  MKCOL creates an empty named person; DELETE of an empty person collection removes it.
- ``unassigned-faces/<file id>-<file name>``: photos with faces in no person.
- ``tags/<tag>/``: photos per tag, read-only.
HTTP Basic with the user's password; a user only ever sees their own collections.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session
from wsgidav.dav_error import HTTP_FORBIDDEN, HTTP_NOT_FOUND, DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider
from wsgidav.util import join_uri
from wsgidav.wsgidav_app import WsgiDAVApp

from recognize.api.dav_auth import RecognizeDomainController
from recognize.api.dav_limits import BoundedLockStorage, BoundedPropertyManager
from recognize.api.throttle import LoginGuard
from recognize.app import App
from recognize.faces import persons as ops
from recognize.library.confined import OutsideLibrary
from recognize.library.webdav import RemoteUnavailable
from recognize.storage.models import Face, Library, MediaFile, Person, Tag, User
from recognize.tags.query import user_tags

SERVED_SINCE = time.time()
SECTIONS = ("persons", "unassigned-faces", "tags")
Member = tuple[
    MediaFile, Library, int | None
]  # a photo in a folder: its file, its library, the face that puts it there


def _photo_name(media_file: MediaFile) -> str:
    return f"{media_file.id}-{Path(media_file.rel_path).name}"


def _file_id(name: str) -> int:
    head = name.split("-", 1)[0]
    if not head.isdigit():
        raise DAVError(HTTP_NOT_FOUND)
    return int(head)


class Photo(DAVNonCollection):
    """A photo, seen through one person (or the unassigned faces); its bytes are the original's."""

    def __init__(self, path: str, environ: dict[str, Any], provider: RecognizeProvider, member: Member):
        super().__init__(path, environ)
        self.recognize = provider
        self.media_file, self.library, self.face_id = member
        self.file_id = self.media_file.id
        if not self.library.remote:
            os.close(self._open())

    def _open(self) -> int:
        """The original, opened inside its library (see ``library.confined``), or a WebDAV library's file
        fetched into the bounded cache; 404 otherwise."""
        app = self.recognize.app
        try:
            return app.open_file(self.library, self.media_file.rel_path, self.media_file.content_hash or "")
        except (OutsideLibrary, OSError, RemoteUnavailable):
            raise DAVError(HTTP_NOT_FOUND) from None

    def get_content_length(self) -> int:
        if self.library.remote:
            return self.media_file.size
        descriptor = self._open()
        try:
            return os.fstat(descriptor).st_size
        finally:
            os.close(descriptor)

    def get_content_type(self) -> str:
        return self.media_file.mime or "application/octet-stream"

    def get_content(self) -> Any:
        return os.fdopen(self._open(), "rb")

    def get_etag(self) -> str:
        if self.library.remote:  # the server's own ETag, quotes included, is inside: hash it into a plain one
            return hashlib.sha256((self.media_file.content_hash or "").encode()).hexdigest()[:32]
        return self.media_file.content_hash or str(self.media_file.mtime_ns)

    def support_etag(self) -> bool:
        return True

    def get_last_modified(self) -> float:
        return self.media_file.mtime_ns / 1e9

    def support_ranges(self) -> bool:
        return True

    def handle_delete(self) -> bool:
        if self.face_id is None:
            raise DAVError(HTTP_FORBIDDEN, "only a photo in a person collection can be removed (it unassigns the face)")
        self.recognize.move_face(self.environ, self.face_id, None)
        return True

    def handle_move(self, dest_path: str) -> bool:
        target = self.recognize.person_for_path(self.environ, dest_path, photo=True)
        if self.face_id is None or target is None:
            raise DAVError(HTTP_FORBIDDEN, "a photo moves only from one person collection to another")
        self.recognize.move_face(self.environ, self.face_id, target)
        return True

    def handle_copy(self, dest_path: str, *, depth_infinity: bool) -> bool:
        raise DAVError(HTTP_FORBIDDEN)

    def delete(self) -> None:
        raise DAVError(HTTP_FORBIDDEN)


class Folder(DAVCollection):
    """A virtual collection; its members are resolved by the provider from their paths, or, for a folder of
    photos, from ``photos`` (read in one query, so a listing costs one query, not one per photo)."""

    def __init__(
        self,
        path: str,
        environ: dict[str, Any],
        names: list[str],
        person_id: int | None = None,
        photos: dict[str, Member] | None = None,
    ):
        super().__init__(path, environ)
        self.names = sorted(names)
        self.person_id = person_id
        self.photos = photos

    def get_member_names(self) -> list[str]:
        return self.names

    def get_etag(self) -> str:
        """Changes when the members change: clients that sync (Nextcloud's External storage) list it again."""
        return hashlib.sha256("\n".join(self.names).encode()).hexdigest()[:32]

    def support_etag(self) -> bool:
        return True

    def get_last_modified(self) -> float:
        return SERVED_SINCE  # a virtual folder has no time of its own; some clients need one (its ETag tells changes)

    def get_member(self, name: str) -> Any:
        if self.photos is not None:
            member = self.photos.get(name)
            return None if member is None else Photo(join_uri(self.path, name), self.environ, self.provider, member)
        return self.provider.get_resource_inst(join_uri(self.path, name), self.environ)

    def handle_delete(self) -> bool:
        if self.person_id is None or self.names:
            raise DAVError(HTTP_FORBIDDEN, "only an empty person collection can be deleted")
        self.provider.delete_person(self.environ, self.person_id)
        return True

    def handle_move(self, dest_path: str) -> bool:
        provider: RecognizeProvider = self.provider
        if self.person_id is None:
            raise DAVError(HTTP_FORBIDDEN)
        parent, _, new_name = dest_path.rstrip("/").rpartition("/")
        if parent.rstrip("/") != self.path.rstrip("/").rpartition("/")[0]:
            raise DAVError(HTTP_FORBIDDEN, "a person collection can only be renamed in place")
        provider.rename(self.environ, self.person_id, unquote(new_name))
        return True

    def handle_copy(self, dest_path: str, *, depth_infinity: bool) -> bool:
        raise DAVError(HTTP_FORBIDDEN)

    def create_empty_resource(self, name: str) -> Any:
        raise DAVError(HTTP_FORBIDDEN)

    def create_collection(self, name: str) -> None:
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[1] != "persons":
            raise DAVError(HTTP_FORBIDDEN, "new collections can only be persons")
        self.provider.create_person(self.environ, unquote(name))


class RecognizeProvider(DAVProvider):
    """Resolves /<user>/persons/..., /<user>/unassigned-faces/..., /<user>/tags/... from the database."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app

    def is_readonly(self) -> bool:
        return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.app.database.session() as session:
            yield session

    def _user_id(self, environ: dict[str, Any], name: str) -> int:
        if environ.get("wsgidav.auth.user_name") != name:
            raise DAVError(HTTP_NOT_FOUND)
        with self.session() as session:
            user = session.scalar(select(User).where(User.name == name))
            if user is None:
                raise DAVError(HTTP_NOT_FOUND)
            return user.id

    def person_for_path(self, environ: dict[str, Any], path: str, photo: bool) -> int | None:
        """The person a /<user>/persons/<label>[/<photo>] path names, or None."""
        parts = [unquote(part) for part in path.strip("/").split("/")]
        if len(parts) != (4 if photo else 3) or parts[1] != "persons":
            return None
        user_id = self._user_id(environ, parts[0])
        with self.session() as session:
            return self._person_id(session, user_id, parts[2])

    @staticmethod
    def _person_id(session: Session, user_id: int, label: str) -> int | None:
        named = session.scalar(select(Person.id).where(Person.user_id == user_id, Person.name == label))
        if named is not None:
            return named
        if label.isdigit():
            person = session.get(Person, int(label))
            if person is not None and person.user_id == user_id:
                return person.id
        return None

    def move_face(self, environ: dict[str, Any], face_id: int, person_id: int | None) -> None:
        user_id = self._user_id(environ, environ["wsgidav.auth.user_name"])
        try:
            with self.session() as session:
                ops.move_face(session, user_id, face_id, person_id)
        except ops.PersonError as error:
            raise DAVError(HTTP_FORBIDDEN, str(error)) from error

    def rename(self, environ: dict[str, Any], person_id: int, name: str) -> None:
        user_id = self._user_id(environ, environ["wsgidav.auth.user_name"])
        try:
            with self.session() as session:
                ops.rename(session, user_id, person_id, None if name.isdigit() and int(name) == person_id else name)
        except ops.PersonError as error:
            raise DAVError(HTTP_FORBIDDEN, str(error)) from error

    def create_person(self, environ: dict[str, Any], name: str) -> None:
        """MKCOL persons/<name>/: a new, empty, named person to move photos into."""
        user_id = self._user_id(environ, environ["wsgidav.auth.user_name"])
        try:
            with self.session() as session:
                person = Person(user_id=user_id)
                session.add(person)
                session.flush()
                ops.rename(session, user_id, person.id, name)
        except ops.PersonError as error:
            raise DAVError(HTTP_FORBIDDEN, str(error)) from error

    def delete_person(self, environ: dict[str, Any], person_id: int) -> None:
        """DELETE of an empty person collection removes the person."""
        user_id = self._user_id(environ, environ["wsgidav.auth.user_name"])
        with self.session() as session:
            person = session.get(Person, person_id)
            if person is None or person.user_id != user_id:
                raise DAVError(HTTP_NOT_FOUND)
            session.delete(person)

    def get_resource_inst(self, path: str, environ: dict[str, Any]) -> Any:
        self._count_get_resource_inst += 1
        parts = [part for part in path.strip("/").split("/") if part]
        if any(part in (".", "..") or "\x00" in part for part in parts):
            return None
        if not parts:
            user = environ.get("wsgidav.auth.user_name")
            return Folder("/", environ, [user] if user else [])
        user_id = self._user_id(environ, parts[0])
        base = f"/{parts[0]}"
        if len(parts) == 1:
            return Folder(base, environ, list(SECTIONS))
        section, rest = parts[1], parts[2:]
        if section == "persons":
            return self._persons(environ, user_id, f"{base}/persons", rest)
        if section == "unassigned-faces":
            return self._unassigned(environ, user_id, f"{base}/unassigned-faces", rest)
        if section == "tags":
            return self._tags(environ, user_id, f"{base}/tags", rest)
        return None

    def _tags(self, environ: dict[str, Any], user_id: int, path: str, rest: list[str]) -> Any:
        """``tags/`` lists the user's tags that can be folder names; ``tags/<tag>/`` the files with that tag."""
        with self.session() as session:
            if not rest:
                names = [tag["name"] for tag in user_tags(session, user_id) if _folder_safe(tag["name"])]
                return Folder(path, environ, sorted(set(names)))
            tagged = session.execute(
                select(MediaFile, Library)
                .join(Library, Library.id == MediaFile.library_id)
                .where(Library.user_id == user_id, MediaFile.id.in_(select(Tag.file_id).where(Tag.name == rest[0])))
            ).all()
        photos = {_photo_name(media_file): (media_file, library, None) for media_file, library in tagged}
        if not photos:
            return None
        return _photo_folder(f"{path}/{rest[0]}", environ, self, rest[1:], photos)

    def _persons(self, environ: dict[str, Any], user_id: int, path: str, rest: list[str]) -> Any:
        with self.session() as session:
            if not rest:
                return Folder(path, environ, [folder_name(p) for p in ops.list_persons(session, user_id)])
            person_id = self._person_id(session, user_id, rest[0])
            if person_id is None:
                return None
            rows = session.execute(
                select(MediaFile, Library, Face.id)
                .join(MediaFile, MediaFile.id == Face.file_id)
                .join(Library, Library.id == MediaFile.library_id)
                .where(Face.person_id == person_id)
            ).all()
        photos = {_photo_name(media_file): (media_file, library, face_id) for media_file, library, face_id in rows}
        return _photo_folder(f"{path}/{rest[0]}", environ, self, rest[1:], photos, person_id)

    def _unassigned(self, environ: dict[str, Any], user_id: int, path: str, rest: list[str]) -> Any:
        with self.session() as session:
            files = ops.unassigned_photos(user_id)
            media = session.execute(select(MediaFile, Library).join(Library).where(MediaFile.id.in_(files))).all()
        photos = {_photo_name(media_file): (media_file, library, None) for media_file, library in media}
        return _photo_folder(path, environ, self, rest, photos)


def _photo_folder(
    path: str,
    environ: dict[str, Any],
    provider: RecognizeProvider,
    rest: list[str],
    photos: dict[str, Member],
    person_id: int | None = None,
) -> Any:
    """The folder of ``photos`` at ``path`` (``rest`` empty), or the photo ``rest`` names in it, or None."""
    if not rest:
        return Folder(path, environ, list(photos), person_id=person_id, photos=photos)
    if len(rest) == 1 and rest[0] in photos:
        return Photo(f"{path}/{rest[0]}", environ, provider, photos[rest[0]])
    return None


def _folder_safe(name: str | None) -> bool:
    """Whether a name can be a collection name as it is (the rule person names are checked by)."""
    try:
        return bool(name) and ops.clean_name(name) == name
    except ops.PersonError:
        return False


def folder_name(person: ops.PersonSummary) -> str:
    """The collection name of a person: the name, or the id when there is none or it cannot be a folder name
    (names kept from before names were checked)."""
    return person.name if person.name and _folder_safe(person.name) else str(person.id)


def create_dav_app(app: App, guard: LoginGuard, mount_path: str = "/dav") -> WsgiDAVApp:
    """The WSGI WebDAV application over one App; password logins go through ``guard``."""
    config = {
        "mount_path": mount_path,
        "provider_mapping": {"/": RecognizeProvider(app)},
        "http_authenticator": {
            "domain_controller": RecognizeDomainController,
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
        },
        "recognize_app": app,
        "recognize_login_guard": guard,
        "lock_storage": BoundedLockStorage(),
        "property_manager": BoundedPropertyManager(),
        "verbose": 1,
        "logging": {"enable": False},
        "dir_browser": {"enable": False},
    }
    return WsgiDAVApp(config)
