"""Face pipeline throughput vs the face_recognition-style baseline, side by side on the same photos.

Photos: every still image of ../shared/data/faces (face_recognition examples, dlib-faces,
face-api.js group and expression photos; tight crops excluded), copied into one folder. The
baseline is ../shared/tools/face_recognition_baseline.py (full-resolution decode, HOG with one
upsample, 5-point shape, one-jitter descriptor, one process). The pipeline is the whole
`recognize process` command (scan, decode, detect, embed, store, cluster) with --workers N and
the taggers off (objects, video, music, text), so both sides do the face work only.
Peak memory is the largest sum of RSS over the process tree, sampled every 50 ms.

The shared photos are small (most under 1 MP); a phone library is 12 MP. So the same comparison
runs a second time on camera-size copies (long side 4032 px, JPEG q90) of the group photos.

usage: python bench/faces_throughput.py [--workers 2] [--camera-photos 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from recognize.config import TagSettings

SHARED = Path(__file__).resolve().parents[2] / "shared"
FACES = SHARED / "data" / "faces"
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def collect(folder: Path) -> int:
    """Copy the benchmark photos into ``folder``; returns how many."""
    sources = [
        *sorted((FACES / "face_recognition" / "examples").rglob("*")),
        *sorted((FACES / "dlib-faces").glob("*")),
        *sorted((FACES / "face-api.js").glob("*")),
    ]
    count = 0
    for source in sources:
        if source.suffix.lower() in PHOTO_SUFFIXES and source.is_file():
            shutil.copy(source, folder / f"{count:03d}_{source.name}")
            count += 1
    return count


def camera_copies(source: Path, folder: Path, limit: int) -> int:
    """Upscaled copies (long side 4032 px) of the photos with the most faces, like a phone's photos."""
    names = [
        "bald_guys",
        "obama_and_biden",
        "two_people",
        "kit_with_rose",
        "bbt1",
        "2008_002470",
        "2008_004176",
        "bbt3",
    ]
    chosen = [path for name in names[:limit] for path in sorted(source.glob(f"*_{name}.*"))]
    for path in chosen:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
            ratio = 4032 / max(rgb.size)
            large = rgb.resize((round(rgb.size[0] * ratio), round(rgb.size[1] * ratio)), Image.Resampling.BICUBIC)
            large.save(folder / f"{path.stem}.jpg", "JPEG", quality=90)
    return len(chosen)


def _tree_rss(pid: int) -> int:
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total * 1024


TAGGERS_OFF = {f"RECOGNIZE_TAGS__{name.upper()}__ENABLED": "false" for name in TagSettings.model_fields}


def timed(command: list[str], variables: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak process-tree RSS in bytes, and stdout of a command."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        env = {**os.environ, **(variables or {})}
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        if process.returncode:
            raise SystemExit(f"{command[:3]} failed with {process.returncode}")
        return seconds, peak, out.read()


def compare(photos_dir: Path, count: int, home: Path, workers: int) -> None:
    """Time the baseline and the pipeline on one folder and print one table."""
    baseline = [sys.executable, str(SHARED / "tools" / "face_recognition_baseline.py"), str(photos_dir)]
    base_s, base_rss, base_out = timed(baseline)
    base_photos, base_faces = (int(n) for n in base_out.split())
    ours = [sys.executable, "-m", "recognize", "--data-dir", str(home), "process", str(photos_dir)]
    ours_s, ours_rss, _ = timed([*ours, "--workers", str(workers)], TAGGERS_OFF)
    exported = subprocess.run(
        [sys.executable, "-m", "recognize", "--data-dir", str(home), "export"],
        capture_output=True,
        text=True,
        check=True,
    )
    our_faces = sum(len(entry["faces"]) for entry in json.loads(exported.stdout)["files"])
    print(f"\n{photos_dir.name}: {count} photos, {os.cpu_count()} cores")
    print(f"{'':28} {'seconds':>8} {'photos/s':>9} {'faces/s':>8} {'faces':>6} {'peak RSS MB':>12}")
    print(
        f"{'baseline (face_recognition)':28} {base_s:8.1f} {base_photos / base_s:9.2f} "
        f"{base_faces / base_s:8.2f} {base_faces:6} {base_rss / 2**20:12.0f}"
    )
    print(
        f"{f'recognize, {workers} workers':28} {ours_s:8.1f} {count / ours_s:9.2f} "
        f"{our_faces / ours_s:8.2f} {our_faces:6} {ours_rss / 2**20:12.0f}"
    )
    print(f"speed-up (photos/s): {base_s / ours_s:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--camera-photos", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-faces-"))
    try:
        shared_dir, camera_dir = work / "shared-photos", work / "camera-size-photos"
        shared_dir.mkdir()
        camera_dir.mkdir()
        compare(shared_dir, collect(shared_dir), work / "home-shared", args.workers)
        if args.camera_photos:
            compare(
                camera_dir,
                camera_copies(shared_dir, camera_dir, args.camera_photos),
                work / "home-camera",
                args.workers,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
