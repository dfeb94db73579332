"""Video and audio probing with PyAV (FFmpeg bundled): duration, codec, frame size and the date it carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import av

from recognize.media.dates import date_from_container
from recognize.media.errors import MediaError

HEADER_BYTES = 4096


@dataclass(frozen=True)
class StreamInfo:
    """What a video or audio file holds."""

    duration: float
    codec: str
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None  # the container's creation_time or date tag


def probe(path: Path, media: str) -> StreamInfo:
    """Probe a video or audio file; raise MediaError when it has no usable stream or no length."""
    try:
        with av.open(str(path)) as container:
            video = container.streams.video[0] if container.streams.video else None
            audio = container.streams.audio[0] if container.streams.audio else None
            if media == "video" and video is None:
                raise MediaError("video file has no video stream")
            if media == "audio" and audio is None:
                raise MediaError("audio file has no audio stream")
            stream = video if media == "video" else audio
            assert stream is not None
            duration = _duration(container, stream)
            codec = stream.codec_context.name
            riff = container.format.name == "wav"
            taken_at = date_from_container({**container.metadata, **stream.metadata})
            width = video.codec_context.width if media == "video" and video else None
            height = video.codec_context.height if media == "video" and video else None
    except FileNotFoundError as error:
        raise MediaError("file vanished before it could be read") from error
    except PermissionError as error:
        raise MediaError("permission denied") from error
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as error:
        raise MediaError(f"not a readable {media} file: {error}") from error
    if duration <= 0:
        raise MediaError(f"{media} has zero length")
    if riff:
        _check_wav_sizes(path)
    return StreamInfo(duration=duration, codec=codec, width=width, height=height, taken_at=taken_at)


def _duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    frames = 0
    for _ in container.decode(stream):
        frames += 1
    rate = getattr(stream, "average_rate", None) or getattr(stream, "rate", None)
    return frames / float(rate) if rate else 0.0


def _check_wav_sizes(path: Path) -> None:
    """Refuse a WAV whose header declares more audio data than the file holds (FFmpeg quietly plays the rest)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(HEADER_BYTES)
    start = header.find(b"data")
    if header[:4] != b"RIFF" or start < 0 or start + 8 > len(header):
        return
    declared = int.from_bytes(header[start + 4 : start + 8], "little")
    held = size - (start + 8)
    if declared > held:
        raise MediaError(
            f"the WAV header declares {declared} bytes of audio but the file holds {held}: "
            "it is cut short or the header lies"
        )
