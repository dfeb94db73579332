"""Worker memory with every model: peak RSS of `recognize process --workers 1` on a mixed library.

The library: three photos, two music clips and two videos from ../shared/data. Each configuration
runs in a fresh home, in a child process; the figure is the largest RSS any of its processes
reached (getrusage of the children). Baseline, same run: faces and places only (every tagger off).

usage: python bench/worker_memory.py
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from faces_throughput import TAGGERS_OFF

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = [
    "photos/debian-python3-skimage/chelsea.png",
    "photos/dlib-ffmpeg_data/dog.jpg",
    "faces/face_recognition/examples/obama.jpg",
    "audio/librosa-data/Kevin_MacLeod_-_Vibe_Ace.hq.ogg",
    "audio/librosa-data/pibble.hq.ogg",
    "video/imageio-binaries/cockatoo.mp4",
    "faces/face_recognition/examples/short_hamilton_clip.mp4",
]
CONFIGURATIONS = {
    "faces and places only (baseline)": TAGGERS_OFF,
    "every tagger but OCR (defaults below 8 cores)": {"RECOGNIZE_TAGS__TEXT__ENABLED": "false"},
    "every tagger and OCR": {"RECOGNIZE_TAGS__TEXT__ENABLED": "true"},
}


def peak_rss_mb(library: Path, variables: dict[str, str]) -> float:
    """Run one `recognize process` in a child and return the largest RSS of its processes, in MB."""
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    with tempfile.TemporaryDirectory() as home:
        command = [sys.executable, "-m", "recognize", "--data-dir", home, "process", str(library), "--workers", "1"]
        result = subprocess.run(
            [sys.executable, "-c", code, *command], env={**os.environ, **variables}, capture_output=True, text=True
        )
    result.check_returncode()
    return int(result.stdout.strip()) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        library = Path(folder)
        for name in FILES:
            shutil.copy(SHARED / name, library)
        for label, variables in CONFIGURATIONS.items():
            print(f"{label:48} peak RSS {peak_rss_mb(library, variables):6.0f} MB")
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
