"""Video frames with PyAV: evenly spaced samples, decoded at a bounded size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from recognize.media.errors import MediaError

DEFAULT_RATE = 25.0
SEEK_AFTER_SECONDS = 120.0


@dataclass(frozen=True)
class Frame:
    """One sampled frame: where it is in the video, its RGB pixels, and original pixels per decoded pixel."""

    ms: int
    pixels: np.ndarray
    scale: float


def frame_times(duration: float, per_minute: float, min_frames: int, max_frames: int) -> list[float]:
    """Seconds at which to sample: the middles of equal slices of the video."""
    count = max(min_frames, min(max_frames, round(duration / 60 * per_minute)))
    return [(index + 0.5) * duration / count for index in range(count)]


def _frame(frame: av.VideoFrame, seconds: float, max_side: int) -> Frame:
    scale = min(1.0, max_side / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    pixels = np.ascontiguousarray(frame.to_ndarray(width=width, height=height, format="rgb24"))
    return Frame(round(seconds * 1000), pixels, frame.width / width)


def _sequential(container: av.container.InputContainer, times: list[float], max_side: int) -> list[Frame]:
    """One decoding pass, keeping the first frame at or after each time (raw streams cannot seek)."""
    stream = container.streams.video[0]
    rate = float(stream.average_rate or stream.guessed_rate or DEFAULT_RATE)
    pending, frames = list(times), []
    for index, frame in enumerate(container.decode(stream)):
        seconds = frame.time if frame.time is not None else index / rate
        if seconds >= pending[0]:
            frames.append(_frame(frame, seconds, max_side))
            while pending and pending[0] <= seconds:
                pending.pop(0)
        if not pending:
            break
    return frames


def _seeking(container: av.container.InputContainer, times: list[float], max_side: int) -> list[Frame]:
    """Seek to the keyframe before each time and decode up to it: long videos are never decoded whole."""
    stream = container.streams.video[0]
    frames = []
    for seconds in times:
        container.seek(int(seconds / stream.time_base), stream=stream)
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                frames.append(_frame(frame, frame.time, max_side))
                break
    return frames


def _decode(path: Path, times: list[float], max_side: int, seek: bool) -> list[Frame]:
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise MediaError("video file has no video stream")
        container.streams.video[0].thread_type = "AUTO"
        return (_seeking if seek else _sequential)(container, times, max_side)


def sample_frames(path: Path, times: list[float], max_side: int) -> list[Frame]:
    """The first frame at or after each of ``times`` (sorted seconds); seeks when the video is long."""
    try:
        frames: list[Frame] = []
        if times[-1] > SEEK_AFTER_SECONDS:
            try:
                frames = _decode(path, times, max_side, seek=True)
            except av.FFmpegError:
                frames = []
        if not frames:
            frames = _decode(path, times, max_side, seek=False)
    except FileNotFoundError as error:
        raise MediaError("file vanished before it could be read") from error
    except (av.FFmpegError, OSError, ValueError) as error:
        raise MediaError(f"video data is damaged: {error}") from error
    if not frames:
        raise MediaError("video has no decodable frames")
    return frames
