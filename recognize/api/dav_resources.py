"""The WebDAV resources of ``api/webdav.py``: a photo (its original's bytes), a virtual folder, and a person's
folder whose photos are read only when its members are asked for."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from wsgidav.dav_error import HTTP_FORBIDDEN, HTTP_NOT_FOUND, DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection
from wsgidav.util import join_uri

from recognize.faces import listings
from recognize.library.confined import OutsideLibrary
from recognize.library.files import Library, MediaFile
from recognize.library.webdav import RemoteUnavailable

if TYPE_CHECKING:
    from recognize.api.webdav import RecognizeProvider

SERVED_SINCE = time.time()
Member = tuple[
    MediaFile, Library, int | None
]  # a photo in a folder: its file, its library, the face that puts it there


def photo_name(media_file: MediaFile) -> str:
    """A photo's name in a folder: its file id, then its file name (names stay unique)."""
    return f"{media_file.id}-{Path(media_file.rel_path).name}"


class Photo(DAVNonCollection):
    """A photo, seen through one person (or the unassigned faces); its bytes are the original's."""

    def __init__(
        self, path: str, environ: dict[str, Any], provider: RecognizeProvider, member: Member, listed: bool = False
    ):
        """``listed``: one of a folder's members, described from the database (opened when read)."""
        super().__init__(path, environ)
        self.recognize = provider
        self.media_file, self.library, self.face_id = member
        self.file_id = self.media_file.id
        self.listed = listed
        if not self.library.remote and not listed:
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
        if self.library.remote or self.listed:
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
        folders: dict[str, Folder] | None = None,
    ):
        super().__init__(path, environ)
        self.names = sorted(names)
        self.person_id = person_id
        self.photos = photos
        self.folders = folders

    def get_member_names(self) -> list[str]:
        return self.names

    def get_etag(self) -> str:
        """Changes when the members change: clients that sync (Nextcloud's External storage) list it again."""
        return hashlib.sha256("\n".join(self.get_member_names()).encode()).hexdigest()[:32]

    def support_etag(self) -> bool:
        return True

    def get_last_modified(self) -> float:
        return SERVED_SINCE  # a virtual folder has no time of its own; some clients need one (its ETag tells changes)

    def get_member(self, name: str) -> Any:
        if self.folders is not None:
            return self.folders.get(name)
        if self.photos is not None:
            member = self.photos.get(name)
            if member is None:
                return None
            return Photo(join_uri(self.path, name), self.environ, self.provider, member, listed=True)
        return self.provider.get_resource_inst(join_uri(self.path, name), self.environ)

    def handle_delete(self) -> bool:
        if self.person_id is None or self.get_member_names():
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


class PersonFolder(Folder):
    """A person's collection: its photos are read when its members are asked for (not when persons/ is
    listed), and its ETag is the signature of its photos (``faces/listings.py``)."""

    def __init__(self, path: str, environ: dict[str, Any], provider: RecognizeProvider, person_id: int, signature: str):
        super().__init__(path, environ, [], person_id=person_id)
        self.recognize, self.signature = provider, signature

    def get_member_names(self) -> list[str]:
        return sorted(self._photos())

    def get_member(self, name: str) -> Any:
        member = self._photos().get(name)
        return None if member is None else Photo(join_uri(self.path, name), self.environ, self.recognize, member, True)

    def get_etag(self) -> str:
        return self.signature or hashlib.sha256(b"no photos").hexdigest()[:32]

    def _photos(self) -> dict[str, Member]:
        if self.photos is None:
            with self.recognize.session() as session:
                rows = listings.person_photos(session, self.person_id or 0)
            self.photos = {photo_name(media_file): (media_file, library, face) for media_file, library, face in rows}
        return self.photos
