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

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from sqlalchemy.orm import Session
from wsgidav.dav_error import HTTP_FORBIDDEN, HTTP_NOT_FOUND, DAVError
from wsgidav.dav_provider import DAVProvider
from wsgidav.wsgidav_app import WsgiDAVApp

from recognize.api.dav_auth import RecognizeDomainController
from recognize.api.dav_limits import BoundedLockStorage, BoundedPropertyManager
from recognize.api.dav_resources import Folder, Member, PersonFolder, Photo, photo_name
from recognize.api.throttle import LoginGuard
from recognize.app import App
from recognize.errors import Refusal
from recognize.faces import folders as person_folders
from recognize.faces import listings
from recognize.faces import persons as ops
from recognize.library.files import files_with_ids, tagged_files
from recognize.library.libraries import find_user
from recognize.tags.query import user_tags

SECTIONS = ("persons", "unassigned-faces", "tags")


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
            user = find_user(session, name)
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
            return person_folders.person_named(session, user_id, parts[2])

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
                person_folders.create_empty_person(session, user_id, name)
        except ops.PersonError as error:
            raise DAVError(HTTP_FORBIDDEN, str(error)) from error

    def delete_person(self, environ: dict[str, Any], person_id: int) -> None:
        """DELETE of an empty person collection removes the person."""
        user_id = self._user_id(environ, environ["wsgidav.auth.user_name"])
        try:
            with self.session() as session:
                person_folders.delete_empty_person(session, user_id, person_id)
        except ops.PersonError as error:
            status = HTTP_NOT_FOUND if error.refusal is Refusal.NOT_FOUND else HTTP_FORBIDDEN
            raise DAVError(status, str(error)) from error

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
            tagged = tagged_files(session, user_id, rest[0])
        photos = {photo_name(media_file): (media_file, library, None) for media_file, library in tagged}
        if not photos:
            return None
        return _photo_folder(f"{path}/{rest[0]}", environ, self, rest[1:], photos)

    def _persons(self, environ: dict[str, Any], user_id: int, path: str, rest: list[str]) -> Any:
        with self.session() as session:
            if not rest:
                persons = {folder_name(p): p.id for p in ops.list_persons(session, user_id)}
                signatures = listings.photo_signatures(session, user_id)
                folders = {
                    name: PersonFolder(f"{path}/{name}", environ, self, person, signatures.get(person, ""))
                    for name, person in persons.items()
                }
                return Folder(path, environ, list(folders), folders=folders)
            person_id = person_folders.person_named(session, user_id, rest[0])
            if person_id is None:
                return None
            signature = listings.photo_signatures(session, user_id, person_id).get(person_id, "")
        folder = PersonFolder(f"{path}/{rest[0]}", environ, self, person_id, signature)
        if len(rest) == 1:
            return folder
        return folder.get_member(rest[1]) if len(rest) == 2 else None

    def _unassigned(self, environ: dict[str, Any], user_id: int, path: str, rest: list[str]) -> Any:
        with self.session() as session:
            media = files_with_ids(session, user_id, ops.unassigned_photos(user_id))
        photos = {photo_name(media_file): (media_file, library, None) for media_file, library in media}
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
