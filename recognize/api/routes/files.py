"""Files, their originals and thumbnails, tags and search; a foreign or unknown id is 404."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from recognize.api.deps import Db, Me, Recognize
from recognize.api.previews import LARGE_SIDE, cached_large, cached_thumbnail, cached_video_preview, preview_path
from recognize.api.schemas import MAX_ID, Id, Offset, Page, face_json, file_json
from recognize.app import App
from recognize.library import files as files_of_users
from recognize.library.accounts import User
from recognize.library.confined import OutsideLibrary, RootChanged
from recognize.library.files import Library, MediaFile
from recognize.library.webdav import RemoteUnavailable
from recognize.media.errors import MediaError
from recognize.media.thumbnails import thumbnail_path
from recognize.media.video_preview import plays_in_browsers
from recognize.search.query import search
from recognize.tags.query import user_tags

router = APIRouter()


def owned_file(db: Session, user: User, file_id: int) -> tuple[MediaFile, Library]:
    """A file of the user's libraries, or 404."""
    owned = files_of_users.owned_file(db, user.id, file_id)
    if owned is None:
        raise HTTPException(404, f"no file {file_id}")
    return owned


def opened_in_library(app: App, media_file: MediaFile, library: Library) -> int:
    """A descriptor of the file, opened inside its library (never through a symlink out of it, never in
    recognize's own data) or fetched from a WebDAV library's server; 404 when it left its library or the
    library is paused (its folder was replaced), 502 when the server cannot be reached."""
    try:
        return app.open_file(library, media_file.rel_path, media_file.content_hash or "")
    except RootChanged as error:
        raise HTTPException(404, str(error)) from None
    except RemoteUnavailable as error:
        raise HTTPException(502, f"file {media_file.id}: {error}") from None
    except (OutsideLibrary, OSError):
        raise HTTPException(404, f"file {media_file.id} is not in its library any more") from None


def checked_root(app: App, library: Library) -> None:
    """404 when the library is paused (its folder was replaced)."""
    try:
        app.library_root(library)
    except RootChanged as error:
        raise HTTPException(404, str(error)) from None


def made_before(app: App, library: Library, made: Path) -> bytes | None:
    """A thumbnail or preview made before of a WebDAV library's file, so the file is not fetched again; None for
    a local file (it is opened first: that checks it is still in its library) or one not made yet."""
    if not library.remote or not made.exists():
        return None
    checked_root(app, library)
    return made.read_bytes()


@contextmanager
def readable(app: App, media_file: MediaFile, library: Library) -> Iterator[Path]:
    """A path to the file's content while the block runs (``opened_in_library``). A damaged file (MediaError
    in the block) answers 400 naming it by its path in the library."""
    descriptor = opened_in_library(app, media_file, library)
    local = Path(f"/proc/self/fd/{descriptor}")
    try:
        with _named_errors(media_file, local):
            yield local
    finally:
        os.close(descriptor)


@contextmanager
def _named_errors(media_file: MediaFile, local: Path) -> Iterator[None]:
    try:
        yield
    except MediaError as error:
        message = str(error).replace(str(local), media_file.rel_path)
        raise HTTPException(400, f"file {media_file.id}: {message}") from None


PASSED_ON = ("content-type", "content-length", "content-range", "accept-ranges", "etag", "last-modified")


def remote_original(app: App, media_file: MediaFile, library: Library, byte_range: str | None) -> Response:
    """The original streamed from the library's server (a ``Range`` passed on); 502 when the server fails."""
    checked_root(app, library)
    try:
        upstream = app.remote_folder(library).stream(media_file.rel_path, {"Range": byte_range} if byte_range else {})
    except RemoteUnavailable as error:
        raise HTTPException(502, f"file {media_file.id}: {error}") from None
    if upstream.status_code not in (200, 206):
        upstream.close()
        status = 404 if upstream.status_code == 404 else 502
        raise HTTPException(status, f"file {media_file.id}: its server answered {upstream.status_code}")

    def body() -> Iterator[bytes]:
        try:
            yield from upstream.iter_bytes()
        finally:
            upstream.close()

    headers = {name: upstream.headers[name] for name in PASSED_ON if name in upstream.headers}
    headers.setdefault("content-type", media_file.mime or "application/octet-stream")
    return StreamingResponse(body(), status_code=upstream.status_code, headers=headers)


class HeldFileResponse(FileResponse):
    """A FileResponse of an already opened (and checked) file: it reopens exactly that file through
    ``/proc/self/fd`` (ranges included) and closes the descriptor once the answer is sent or abandoned."""

    def __init__(self, descriptor: int, media_type: str) -> None:
        self.descriptor = descriptor
        super().__init__(f"/proc/self/fd/{descriptor}", media_type=media_type)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            os.close(self.descriptor)


@router.get("/api/files")
def files(
    db: Db,
    user: Me,
    person: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    tag: str | None = None,
    media: str | None = None,
    taken_after: datetime | None = None,
    taken_before: datetime | None = None,
    limit: Page = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    wanted = files_of_users.FileFilter(person, tag, media, taken_after, taken_before)
    total, rows = files_of_users.files_page(db, user.id, wanted, limit, offset)
    return {"total": total, "items": [file_json(media_file, library.root) for media_file, library in rows]}


@router.get("/api/files/{file_id}")
def file(db: Db, user: Me, file_id: Id) -> dict[str, Any]:
    detail = files_of_users.file_detail(db, user.id, file_id)
    if detail is None:
        raise HTTPException(404, f"no file {file_id}")
    return {
        **file_json(detail.file, detail.library.root),
        "faces": [face_json(face) for face in detail.faces],
        "tags": [{"name": t.name, "kind": t.kind, "score": round(t.score, 4), "model": t.model} for t in detail.tags],
    }


@router.get("/api/files/{file_id}/original")
def original(db: Db, user: Me, app: Recognize, file_id: Id, request: Request) -> Response:
    media_file, library = owned_file(db, user, file_id)
    if library.remote:
        return remote_original(app, media_file, library, request.headers.get("range"))
    descriptor = opened_in_library(app, media_file, library)
    return HeldFileResponse(descriptor, media_file.mime or "application/octet-stream")


@router.get("/api/files/{file_id}/preview")
def preview(db: Db, user: Me, app: Recognize, file_id: Id) -> Response:
    """A video as browsers play it: the original when they can, else an MP4 copy made once (422 saying why not)."""
    media_file, library = owned_file(db, user, file_id)
    if media_file.media != "video":
        raise HTTPException(404, f"file {file_id} is not a video")
    if plays_in_browsers(media_file.mime, media_file.codec):
        return RedirectResponse(f"/api/files/{file_id}/original", status_code=307)
    with readable(app, media_file, library) as local:
        try:
            made = cached_video_preview(media_file, local, app.settings.home / "previews")
        except MediaError as error:
            raise HTTPException(422, f"file {file_id}: {error}") from None
    return FileResponse(made, media_type="video/mp4")


@router.get("/api/files/{file_id}/large")
def large(db: Db, user: Me, app: Recognize, file_id: Id) -> Response:
    """The photo at most 2048 px, upright, JPEG (the viewer's image; the original stays at /original)."""
    media_file, library = owned_file(db, user, file_id)
    if media_file.media != "image":
        raise HTTPException(404, f"file {file_id} is not a photo")
    folder = app.settings.home / "previews"
    jpeg = made_before(app, library, preview_path(folder, media_file, f"-{LARGE_SIDE}.jpg"))
    if jpeg is None:
        with readable(app, media_file, library) as local:
            jpeg = cached_large(media_file, local, folder, app.settings.max_image_pixels)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/api/files/{file_id}/thumbnail")
def thumbnail(db: Db, user: Me, app: Recognize, file_id: Id) -> Response:
    media_file, library = owned_file(db, user, file_id)
    if media_file.media not in ("image", "video"):
        raise HTTPException(404, f"file {file_id} has no thumbnail")
    folder = app.settings.home / "thumbnails"
    jpeg = made_before(app, library, thumbnail_path(folder, media_file.id, media_file.content_hash))
    if jpeg is None:
        with readable(app, media_file, library) as local:
            jpeg = cached_thumbnail(media_file, local, folder, app.settings.max_image_pixels)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/api/tags")
def tags(db: Db, user: Me, kind: str | None = None, limit: Page = 100, offset: Offset = 0) -> dict[str, Any]:
    found = user_tags(db, user.id, kind)
    return {"total": len(found), "items": found[offset : offset + limit]}


@router.get("/api/search")
def find(
    db: Db, user: Me, q: Annotated[str, Query(min_length=1)], limit: Page = 100, offset: Offset = 0
) -> dict[str, Any]:
    found = search(db, user.id, q, limit, offset)
    return {
        "persons": [{"id": p.id, "name": p.name} for p in found.persons],
        "tags": found.tags,
        "total": found.total,
        "total_capped": found.total_capped,
        "files": [
            {**file_json(media_file, media_file.library.root), "score": found.scores[media_file.id]}
            for media_file in found.files
        ],
    }
