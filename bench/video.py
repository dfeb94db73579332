"""Video benchmark: seconds of processing (frame sampling, object tags, faces) per minute of video.

Ours: the video analysis at its defaults (12 frames per minute, at least 3, seeking in long videos).
Baseline, same run: one frame per second decoded in a single pass, each through the same classifier
and face pipeline, the way a per-second frame-grabbing script does it.

usage: python bench/video.py
"""

from __future__ import annotations

import time
from pathlib import Path

from recognize.analyses.base import FileJob
from recognize.analyses.video import VideoAnalysis
from recognize.config import load_settings
from recognize.media.probe import probe

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CLIPS = [
    "video/debian-opencv-doc/vtest.avi",
    "video/debian-opencv-doc/Megamind.avi",
    "video/debian-opencv-doc/tree.avi",
    "video/imageio-binaries/cockatoo.mp4",
    "video/dlib-ffmpeg_data/MOT20-05-raw_even_shorter.mp4",
    "video/dlib-ffmpeg_data/MOT20-08-raw_shorter.h264",
    "faces/face_recognition/examples/short_hamilton_clip.mp4",
]


def run(analysis: VideoAnalysis, path: Path) -> tuple[float, int, list[str], int]:
    start = time.perf_counter()
    result = analysis.compute(FileJob(0, path, "video", {}))
    return time.perf_counter() - start, result.frames, [name for name, _ in result.tags[:4]], len(result.faces)


def main() -> None:
    ours = VideoAnalysis(load_settings())
    baseline = VideoAnalysis(load_settings(tags={"video": {"frames_per_minute": 60, "max_frames": 100_000}}))
    total_minutes = ours_seconds = base_seconds = 0.0
    for name in CLIPS:
        path = SHARED / name
        minutes = probe(path, "video").duration / 60
        took, frames, tags, faces = run(ours, path)
        base_took, base_frames, _, base_faces = run(baseline, path)
        total_minutes += minutes
        ours_seconds += took
        base_seconds += base_took
        print(
            f"{path.name[:32]:32} {minutes * 60:6.1f} s  ours {took:5.2f} s ({frames} frames, {faces} faces) "
            f"{', '.join(tags) or '-'} | baseline {base_took:5.2f} s ({base_frames} frames, {base_faces} faces)"
        )
    print()
    print(
        f"{len(CLIPS)} clips, {total_minutes * 60:.0f} s of video: "
        f"ours {ours_seconds / total_minutes:.1f} s per minute "
        f"of video, baseline (1 frame/s) {base_seconds / total_minutes:.1f} s per minute"
    )


if __name__ == "__main__":
    main()
