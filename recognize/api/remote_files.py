"""Originals and thumbnails of WebDAV libraries' files: streamed from the server, never kept whole here."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import HTTPException
from fastapi.responses import Response, StreamingResponse

from recognize.api.previews import cached_thumbnail
from recognize.app import App
from recognize.library.confined import RootChanged
from recognize.library.webdav import RemoteUnavailable
from recognize.media.errors import MediaError
from recognize.media.thumbnails import thumbnail_path
from recognize.storage.models import Library, MediaFile

PASSED_ON = ("content-type", "content-length", "content-range", "accept-ranges", "etag", "last-modified")


def remote_original(app: App, media_file: MediaFile, library: Library, byte_range: str | None) -> Response:
    """The original streamed from the library's server (a ``Range`` passed on); 502 when the server fails."""
    try:
        app.library_root(library)
        upstream = app.remote_folder(library).stream(media_file.rel_path, {"Range": byte_range} if byte_range else {})
    except RootChanged as error:
        raise HTTPException(404, str(error)) from None
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


def remote_thumbnail(app: App, media_file: MediaFile, library: Library) -> bytes:
    """The thumbnail the analysis made, else one made from the file fetched into the bounded cache."""
    folder = app.settings.home / "thumbnails"
    cached = thumbnail_path(folder, media_file.id, media_file.content_hash)
    if cached.exists():
        return cached.read_bytes()
    try:
        app.library_root(library)
        local = app.webdav_cache.path(app.remote_folder(library), media_file.rel_path, media_file.content_hash or "")
        return cached_thumbnail(media_file, local, folder, app.settings.max_image_pixels)
    except RootChanged as error:
        raise HTTPException(404, str(error)) from None
    except RemoteUnavailable as error:
        raise HTTPException(502, f"file {media_file.id}: {error}") from None
    except MediaError as error:
        raise HTTPException(400, f"file {media_file.id}: {error}") from None
