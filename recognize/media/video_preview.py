"""Browser-playable copies of videos browsers cannot play (AVI, MPEG-4 part 2, MKV with other codecs...).

Browsers play MP4 with H.264 and WebM with VP8/VP9/AV1. Any other video gets a preview made once with
PyAV (its bundled FFmpeg): H.264 at most 720 px high, AAC sound, MP4 with the index first so playback
starts before the whole file arrives; the first ``max_seconds`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av

from recognize.media.errors import MediaError

PLAYABLE = {"video/mp4": {"h264", "av1"}, "video/quicktime": {"h264"}, "video/webm": {"vp8", "vp9", "av1"}}
PREVIEW_HEIGHT = 720
AUDIO_RATE = 44_100


def plays_in_browsers(mime: str | None, codec: str | None) -> bool:
    """Whether browsers play the original as it is."""
    return codec in PLAYABLE.get(mime or "", set())


def make_preview(source: Path, destination: Path, max_seconds: float = 600.0) -> None:
    """Write an MP4 (H.264 + AAC) copy of ``source`` to ``destination`` (whole or not at all)."""
    partial = destination.with_name(destination.name + ".partial")
    try:
        with (
            av.open(str(source)) as original,
            av.open(str(partial), "w", format="mp4", options={"movflags": "faststart"}) as copy,
        ):
            _transcode(original, copy, max_seconds)
    except (av.FFmpegError, OSError, ValueError) as error:
        partial.unlink(missing_ok=True)
        raise MediaError(f"no browser-playable copy could be made: {error}") from error
    partial.replace(destination)


def _transcode(original: av.container.InputContainer, copy: av.container.OutputContainer, max_seconds: float) -> None:
    if not original.streams.video:
        raise ValueError("the file has no video stream")
    source_video = original.streams.video[0]
    source_audio = original.streams.audio[0] if original.streams.audio else None
    height = min(PREVIEW_HEIGHT, source_video.codec_context.height) // 2 * 2
    width = round(source_video.codec_context.width * height / source_video.codec_context.height) // 2 * 2
    rate = source_video.average_rate or Fraction(25)
    video = copy.add_stream("libx264", rate=rate, options={"crf": "26", "preset": "veryfast"})
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    audio = copy.add_stream("aac", rate=AUDIO_RATE, layout="stereo") if source_audio is not None else None
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE) if audio is not None else None
    streams = [source_video, *([source_audio] if source_audio is not None else [])]
    for frame in _frames(original, streams):
        if frame.time is not None and frame.time > max_seconds:
            break
        if isinstance(frame, av.VideoFrame):
            scaled = frame.reformat(width=width, height=height, format="yuv420p")
            scaled.pts = None
            copy.mux(video.encode(scaled))
        elif audio is not None and resampler is not None:
            for resampled in resampler.resample(frame):
                resampled.pts = None
                copy.mux(audio.encode(resampled))
    copy.mux(video.encode(None))
    if audio is not None:
        copy.mux(audio.encode(None))


def _frames(original: av.container.InputContainer, streams: list) -> Iterator[av.VideoFrame | av.AudioFrame]:
    """Decoded frames; a damaged packet is skipped (old AVIs often carry a few), not the whole copy."""
    for packet in original.demux(*streams):
        try:
            yield from packet.decode()
        except av.InvalidDataError:
            continue
