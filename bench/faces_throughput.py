"""Face pipeline throughput vs the face_recognition-style baseline, side by side on the same photos.

Photos: every still image of ../shared/data/faces (face_recognition examples, dlib-faces,
face-api.js group and expression photos; tight crops excluded), copied into one folder. The
baseline is ../shared/tools/face_recognition_baseline.py (full-resolution decode, HOG with one
upsample, 5-point shape, one-jitter descriptor, one process). The pipeline is the whole
`recognize process` command (scan, decode, detect, embed, store, cluster) with --workers N and
the taggers off (objects, video, music, text), so both sides do the face work only, and then
again at the defaults (taggers on, as a user runs it).
Peak memory is the largest sum of RSS over the process tree, sampled every 50 ms.

Then a per-stage profile of the same photos with the default pipeline in this process, one thread:
process start (importing recognize), model load, decode, detection, landmarks and alignment,
embedding, face thumbnails and blur, and database writes; the rest of the `recognize process` wall
time with one worker (scan, queue, worker start, clustering, waiting) is what the stages leave.

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
    """Time the baseline and the pipeline (taggers off, then at the defaults) on one folder; print one table."""
    baseline = [sys.executable, str(SHARED / "tools" / "face_recognition_baseline.py"), str(photos_dir)]
    base_s, base_rss, base_out = timed(baseline)
    base_photos, base_faces = (int(n) for n in base_out.split())
    print(f"\n{photos_dir.name}: {count} photos, {os.cpu_count()} cores")
    print(f"{'':44} {'seconds':>8} {'photos/s':>9} {'faces/s':>8} {'faces':>6} {'peak RSS MB':>12} {'speed-up':>8}")
    print(
        f"{'baseline (face_recognition)':44} {base_s:8.1f} {base_photos / base_s:9.2f} "
        f"{base_faces / base_s:8.2f} {base_faces:6} {base_rss / 2**20:12.0f}"
    )
    runs = (("taggers off", TAGGERS_OFF, home), ("defaults, taggers on", {}, home.with_name(f"{home.name}-tagged")))
    for label, variables, data in runs:
        ours = [sys.executable, "-m", "recognize", "--data-dir", str(data), "process", str(photos_dir)]
        ours_s, ours_rss, _ = timed([*ours, "--workers", str(workers)], variables)
        exported = subprocess.run(
            [sys.executable, "-m", "recognize", "--data-dir", str(data), "export"],
            capture_output=True,
            text=True,
            check=True,
        )
        our_faces = sum(len(entry["faces"]) for entry in json.loads(exported.stdout)["files"])
        print(
            f"{f'recognize, {workers} workers, {label}':44} {ours_s:8.1f} {count / ours_s:9.2f} "
            f"{our_faces / ours_s:8.2f} {our_faces:6} {ours_rss / 2**20:12.0f} {base_s / ours_s:7.2f}x"
        )


def stage_profile(photos_dir: Path, home: Path) -> None:
    """Seconds per stage of the default face pipeline on every photo, one thread, and what remains of
    ``recognize process --workers 1`` on the same photos."""
    import numpy as np

    from recognize.analyses.faces import FaceAnalysis
    from recognize.config import load_settings
    from recognize.faces.detection import blur_score, detect_faces, face_thumbnail
    from recognize.faces.store import FoundFace, store_faces
    from recognize.jobs.workspace import Workspace
    from recognize.media.images import load_image
    from recognize.models.faceres_embedder import EMBEDDING_OUTPUT, INPUT, aligned_chips, preprocess
    from recognize.storage.models import Library, MediaFile, User

    start_s = timed([sys.executable, "-c", "import recognize.cli, recognize.analyses.registry"])[0]
    settings = load_settings(home=home / "profile", workers=1)
    analysis = FaceAnalysis(settings)
    faces_settings = analysis.settings_for({})
    detector, embedder = analysis.detector_for(faces_settings), analysis.embedder
    stages = dict.fromkeys(("decode", "detection", "landmarks+align", "embedding", "thumbnail+blur", "db write"), 0.0)
    began = time.perf_counter()
    predictor, session = embedder.loaded
    _ = detector.loaded
    load_s = time.perf_counter() - began
    workspace = Workspace(settings)
    with workspace.database.session() as db:
        library = Library(user=User(name="profile"), root=str(photos_dir))
        db.add(library)
        db.flush()
        library_id = library.id
    photos = sorted(path for path in photos_dir.iterdir() if path.suffix.lower() in PHOTO_SUFFIXES)
    for number, path in enumerate(photos):
        clock = time.perf_counter()
        decoded = load_image(path, settings.max_image_pixels, settings.min_image_side, faces_settings.working_size)
        stages["decode"] += (now := time.perf_counter()) - clock
        boxes = [found.box for found in detect_faces(decoded.pixels, detector, faces_settings)]
        stages["detection"] += (clock := time.perf_counter()) - now
        landmarks, chips = aligned_chips(predictor, decoded.pixels, boxes)
        stages["landmarks+align"] += (now := time.perf_counter()) - clock
        vectors = [session.run([EMBEDDING_OUTPUT], {INPUT: preprocess(chip[None])})[0][0] for chip in chips]
        stages["embedding"] += (clock := time.perf_counter()) - now
        image = Image.fromarray(decoded.pixels)
        found = []
        for box, points, vector in zip(boxes, landmarks, vectors, strict=True):
            gray = np.asarray(image.crop((box.left, box.top, box.right, box.bottom)).convert("L").resize((64, 64)))
            blur = blur_score(gray)
            found.append(
                FoundFace(
                    (box.left, box.top, box.width, box.height),
                    1.0,
                    [list(p) for p in points],
                    vector.astype(np.float32).tobytes(),
                    embedder.name,
                    None,
                    blur,
                    True,
                    face_thumbnail(image, box, faces_settings.thumbnail_size),
                )
            )
        stages["thumbnail+blur"] += (now := time.perf_counter()) - clock
        with workspace.database.session() as db:
            media_file = MediaFile(
                library_id=library_id, rel_path=path.name, size=0, mtime_ns=0, device=0, inode=number
            )
            db.add(media_file)
            db.flush()
            store_faces(db, media_file.id, found)
        stages["db write"] += time.perf_counter() - now
    workspace.close()
    command = [sys.executable, "-m", "recognize", "--data-dir", str(home / "one-worker"), "process", str(photos_dir)]
    total_s = timed([*command, "--workers", "1"], TAGGERS_OFF)[0]
    print(f"stages, one thread, {len(photos)} photos ({photos_dir.name}):")
    rows = {"process start (imports)": start_s, "model load": load_s, **stages}
    for name, seconds in rows.items():
        print(f"  {name:28} {seconds:7.2f} s  {seconds / total_s * 100:5.1f}%")
    rest = total_s - sum(rows.values())
    print(f"  {'rest: scan, queue, clustering, idle':28} {rest:7.2f} s  {rest / total_s * 100:5.1f}%")
    print(f"  {'recognize process --workers 1':28} {total_s:7.2f} s")


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
        stage_profile(shared_dir, work / "profile-shared")
        if args.camera_photos:
            compare(
                camera_dir,
                camera_copies(shared_dir, camera_dir, args.camera_photos),
                work / "home-camera",
                args.workers,
            )
            stage_profile(camera_dir, work / "profile-camera")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
