"""Frame sampling and audio decoding with PyAV, on real clips and on broken ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recognize.media import video
from recognize.media.audio import load_audio
from recognize.media.errors import MediaError
from recognize.media.probe import probe
from recognize.media.video import frame_times, sample_frames
from tests.media_factory import audio_only_mp4, corrupt_copy, zero_length_clip

CLIPS = [
    "video/dlib-ffmpeg_data/MOT20-08-raw_shorter.h264",
    "video/dlib-ffmpeg_data/MOT20-05-raw_even_shorter.mp4",
    "video/imageio-binaries/cockatoo.mp4",
]


def test_frame_times_are_spread_and_bounded() -> None:
    assert frame_times(60, 12, 3, 60) == pytest.approx([2.5 + 5 * i for i in range(12)])
    assert len(frame_times(1, 12, 3, 60)) == 3
    assert len(frame_times(7200, 12, 3, 60)) == 60


@pytest.mark.parametrize("name", CLIPS)
def test_frames_are_sampled_from_real_clips(test_media: Path, name: str) -> None:
    path = test_media / name
    times = frame_times(probe(path, "video").duration, 12, 3, 60)
    frames = sample_frames(path, times, 320)
    assert len(frames) == len(times)
    assert [frame.ms for frame in frames] == sorted(frame.ms for frame in frames)
    assert all(max(frame.pixels.shape[:2]) <= 320 and frame.pixels.shape[2] == 3 for frame in frames)


def test_long_videos_seek_instead_of_decoding_everything(test_media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = test_media / "video/imageio-binaries/cockatoo.mp4"
    times = frame_times(probe(path, "video").duration, 12, 3, 60)
    sequential = sample_frames(path, times, 160)
    monkeypatch.setattr(video, "SEEK_AFTER_SECONDS", 0.0)
    seeking = sample_frames(path, times, 160)
    assert [frame.ms for frame in seeking] == pytest.approx([frame.ms for frame in sequential], abs=100)


def test_audio_is_mono_float32_at_the_asked_rate(test_media: Path) -> None:
    waveform = load_audio(test_media / "audio/dlib-ffmpeg_data/116-288045-0000.flac", 16000, 5)
    assert waveform.dtype == np.float32 and waveform.ndim == 1
    assert waveform.size == 5 * 16000
    assert 0 < np.abs(waveform).max() <= 1.5


def test_broken_media_gives_readable_errors(test_media: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no video stream"):
        sample_frames(audio_only_mp4(tmp_path / "sound.mp4"), [0.5], 320)
    with pytest.raises(MediaError, match=r"no samples|damaged"):
        load_audio(zero_length_clip(tmp_path / "empty.wav"), 16000, 10)
    with pytest.raises(MediaError, match="damaged"):
        load_audio(corrupt_copy(test_media / "audio/librosa-data/pibble.hq.ogg", tmp_path / "bad.ogg"), 16000, 10)
    with pytest.raises(MediaError, match="no audio stream"):
        load_audio(test_media / "video/dlib-ffmpeg_data/MOT20-05-raw_even_shorter.mp4", 16000, 10)
