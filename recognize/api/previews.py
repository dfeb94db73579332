"""Thumbnails for the API and UI, from the cache the metadata analysis fills, else made once under a bound on decodes.

Decoding an original costs memory in proportion to its pixels (a 100 Mpx PNG takes about 1 GB
while it is decoded and shrunk), so at most ``DECODES_AT_ONCE`` originals are decoded together and
originals over ``LARGE_PIXELS`` that cannot be decoded reduced (JPEG can: draft mode) one at a
time. A thumbnail made once is kept (file id and content hash in its name) and served from disk.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path

from recognize.library.files import MediaFile
from recognize.media.images import load_image
from recognize.media.thumbnails import THUMBNAIL_SIDE, jpeg_bytes, keep, thumbnail_path
from recognize.media.video import sample_frames

DECODES_AT_ONCE = 2
LARGE_PIXELS = 24_000_000
_decodes = threading.BoundedSemaphore(DECODES_AT_ONCE)
_large_decodes = threading.BoundedSemaphore(1)


def cached_thumbnail(media_file: MediaFile, path: Path, cache_folder: Path, max_pixels: int) -> bytes:
    """The file's 400 px JPEG thumbnail, made on first request; raises MediaError for a bad file."""
    cache = thumbnail_path(cache_folder, media_file.id, media_file.content_hash)
    if cache.exists():
        return cache.read_bytes()
    pixels_count = (media_file.width or 0) * (media_file.height or 0)
    large = pixels_count > LARGE_PIXELS and media_file.mime != "image/jpeg"
    with _decodes, _large_decodes if large else nullcontext():
        if cache.exists():
            return cache.read_bytes()
        if media_file.media == "video":
            moment = min(1.0, (media_file.duration or 0) / 10)
            pixels = sample_frames(path, [moment], THUMBNAIL_SIDE)[0].pixels
        else:
            pixels = load_image(path, max_pixels, 1, THUMBNAIL_SIDE).pixels
        data = jpeg_bytes(pixels)
    keep(cache, data)
    return data


_video_previews = threading.Lock()


def cached_video_preview(media_file: MediaFile, path: Path, cache_folder: Path) -> Path:
    """The browser-playable MP4 copy of a video (made once, one at a time); raises MediaError when it cannot be."""
    from recognize.media.video_preview import make_preview

    cache = preview_path(cache_folder, media_file, ".mp4")
    with _video_previews:
        if not cache.exists():
            cache_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            make_preview(path, cache)
    return cache


LARGE_SIDE = 2048


def preview_path(cache_folder: Path, media_file: MediaFile, ending: str) -> Path:
    """Where a preview of this file's current content is kept (``-2048.jpg``: the large photo, ``.mp4``: a video)."""
    return cache_folder / f"{media_file.id}-{(media_file.content_hash or 'x')[:16]}{ending}"


def cached_large(media_file: MediaFile, path: Path, cache_folder: Path, max_pixels: int) -> bytes:
    """The photo at most ``LARGE_SIDE`` px on its longest side, upright, as JPEG (made once, under the same
    bound on decodes as thumbnails): what the viewer shows instead of a camera original of many megabytes."""
    cache = preview_path(cache_folder, media_file, f"-{LARGE_SIDE}.jpg")
    if cache.exists():
        return cache.read_bytes()
    with _decodes:
        data = jpeg_bytes(load_image(path, max_pixels, 1, LARGE_SIDE).pixels)
    keep(cache, data)
    return data
