"""Face pipeline throughput vs the face_recognition-style baseline, side by side on the same photos.

Photos: every still image of ../shared/data/faces (face_recognition examples, dlib-faces,
face-api.js group and expression photos; tight crops excluded), copied into one folder. The
baseline is ../shared/tools/face_recognition_baseline.py (full-resolution decode, HOG with one
upsample, 5-point shape, one-jitter descriptor, one process). The pipeline is the whole
`recognize process` command (scan, decode, detect, embed, store, cluster) with --workers N.
Peak memory is the largest sum of RSS over the process tree, sampled every 50 ms.

usage: python bench/faces_throughput.py [--workers 2]
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


def timed(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak process-tree RSS in bytes, and stdout of a command."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        if process.returncode:
            raise SystemExit(f"{command[:3]} failed with {process.returncode}")
        return seconds, peak, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-faces-"))
    try:
        photos_dir = work / "photos"
        photos_dir.mkdir()
        count = collect(photos_dir)
        baseline = [sys.executable, str(SHARED / "tools" / "face_recognition_baseline.py"), str(photos_dir)]
        base_s, base_rss, base_out = timed(baseline)
        base_photos, base_faces = (int(n) for n in base_out.split())
        ours = [sys.executable, "-m", "recognize", "--data-dir", str(work / "home"), "process", str(photos_dir)]
        ours_s, ours_rss, _ = timed([*ours, "--workers", str(args.workers)])
        exported = subprocess.run(
            [sys.executable, "-m", "recognize", "--data-dir", str(work / "home"), "export"],
            capture_output=True,
            text=True,
            check=True,
        )
        files = json.loads(exported.stdout)["files"]
        our_faces = sum(len(entry["faces"]) for entry in files)
        print(f"{count} photos, {os.cpu_count()} cores")
        print(f"{'':28} {'seconds':>8} {'photos/s':>9} {'faces/s':>8} {'faces':>6} {'peak RSS MB':>12}")
        print(
            f"{'baseline (face_recognition)':28} {base_s:8.1f} {base_photos / base_s:9.2f} "
            f"{base_faces / base_s:8.2f} {base_faces:6} {base_rss / 2**20:12.0f}"
        )
        print(
            f"{f'recognize, {args.workers} workers':28} {ours_s:8.1f} {count / ours_s:9.2f} "
            f"{our_faces / ours_s:8.2f} {our_faces:6} {ours_rss / 2**20:12.0f}"
        )
        print(f"speed-up (photos/s): {base_s / ours_s:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
