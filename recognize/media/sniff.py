"""Media type from content (magic bytes), never from the file name alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import av
import filetype

from recognize.media.errors import MediaError

SNIFF_BYTES = 8192

IMAGE_MIMES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/tiff",
    "image/gif",
    "image/bmp",
    "image/heic",
    "image/heif",
    "image/avif",
}
MEDIA_EXTENSIONS = {
    "image": {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".heif", ".avif"},
    "video": {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".h264", ".3gp", ".wmv"},
    "audio": {".mp3", ".ogg", ".oga", ".flac", ".wav", ".m4a", ".aac", ".opus", ".wma", ".aiff"},
}


@dataclass(frozen=True)
class Sniffed:
    """What a file's content says it is."""

    media: str
    mime: str


def claimed_media(name: str) -> str | None:
    """The media type a file name claims by its extension (only used to decide what to report)."""
    suffix = PurePath(name).suffix.lower()
    return next((media for media, suffixes in MEDIA_EXTENSIONS.items() if suffix in suffixes), None)


def sniff_bytes(head: bytes) -> Sniffed | None:
    """Classify by magic bytes; None when the bytes are no image, video or audio we know."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime in IMAGE_MIMES:
        return Sniffed("image", kind.mime)
    if kind.mime.startswith("video/"):
        return Sniffed("video", kind.mime)
    if kind.mime.startswith("audio/"):
        return Sniffed("audio", kind.mime)
    return None


def sniff_with_ffmpeg(path: str) -> Sniffed:
    """Let FFmpeg's probe decide for containers without magic bytes (raw H.264, MPEG-TS...)."""
    try:
        with av.open(path) as container:
            if container.streams.video:
                return Sniffed("video", f"video/{container.format.name.split(',')[0]}")
            if container.streams.audio:
                return Sniffed("audio", f"audio/{container.format.name.split(',')[0]}")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as error:
        raise MediaError(f"content is not a recognised image, video or audio format ({error})") from error
    raise MediaError("content has no video or audio stream")
