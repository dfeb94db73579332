"""Video and audio probing with PyAV, on the real clips in shared/data and on broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from recognize.media.errors import MediaError
from recognize.media.probe import probe
from recognize.media.sniff import sniff_bytes, sniff_with_ffmpeg
from tests.media_factory import truncated_copy


@pytest.mark.parametrize(
    ("relative", "media", "codec", "seconds"),
    [
        ("video/imageio-binaries/cockatoo.mp4", "video", "h264", 14.0),
        ("audio/dlib-ffmpeg_data/116-288045-0000.flac", "audio", "flac", 10.65),
        ("audio/librosa-data/pibble.hq.ogg", "audio", "vorbis", 46.95),
    ],
)
def test_real_clips(test_media: Path, relative: str, media: str, codec: str, seconds: float) -> None:
    info = probe(test_media / relative, media)
    assert info.codec == codec
    assert info.duration == pytest.approx(seconds, abs=0.1)
    assert (info.width is not None) == (media == "video")


def test_raw_h264_is_sniffed_by_ffmpeg(test_media: Path) -> None:
    path = test_media / "video" / "dlib-ffmpeg_data" / "MOT20-08-raw_shorter.h264"
    assert sniff_bytes(path.read_bytes()[:8192]) is None
    assert sniff_with_ffmpeg(str(path)).media == "video"


def test_audio_only_file_is_no_video(test_media: Path) -> None:
    with pytest.raises(MediaError, match="no video stream"):
        probe(test_media / "audio" / "dlib-ffmpeg_data" / "116-288045-0000.flac", "video")


def test_corrupt_audio(tmp_path: Path, test_media: Path) -> None:
    path = tmp_path / "broken.ogg"
    data = (test_media / "audio" / "librosa-data" / "pibble.hq.ogg").read_bytes()
    path.write_bytes(data[:4] + b"\x00" * 4000)
    with pytest.raises(MediaError):
        probe(path, "audio")


def test_zero_length_clip(tmp_path: Path, test_media: Path) -> None:
    path = truncated_copy(test_media / "video" / "imageio-binaries" / "realshort.mp4", tmp_path / "cut.mp4", keep=0.02)
    with pytest.raises(MediaError):
        probe(path, "video")
