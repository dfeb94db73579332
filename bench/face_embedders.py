"""Embedding cost per face, every embedder side by side, one thread, on the faces of ../shared/data/faces.

Detection runs once (HOG, the pipeline's working size); each embedder then describes the same faces
of each photo (alignment + network, batched per photo as the pipeline does), three rounds, best kept.

usage: OMP_NUM_THREADS=1 python bench/face_embedders.py
"""

from __future__ import annotations

import time
from pathlib import Path

from recognize.config import FaceSettings
from recognize.faces.detection import detect_faces
from recognize.media.images import load_image
from recognize.models.registry import EMBEDDERS, face_detector, face_embedder

FACES = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces" / "face_recognition"
ROUNDS = 3


def main() -> None:
    settings = FaceSettings()
    detector = face_detector(settings.detector)
    photos = []
    for path in sorted(FACES.rglob("*.jp*g")):
        decoded = load_image(path, 10**8, 16, settings.working_size)
        boxes = [detection.box for detection in detect_faces(decoded.pixels, detector, settings)]
        if boxes:
            photos.append((decoded.pixels, boxes))
    faces = sum(len(boxes) for _, boxes in photos)
    print(f"{len(photos)} photos, {faces} faces; best of {ROUNDS} rounds, one thread")
    print(f"{'embedder':10} {'model':22} {'ms/face':>8} {'vs resnet':>9}")
    timings = {}
    for name in sorted(EMBEDDERS, key=lambda key: key != "resnet"):
        embedder = face_embedder(name)
        embedder.describe_all(*photos[0])
        best = float("inf")
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for pixels, boxes in photos:
                embedder.describe_all(pixels, boxes)
            best = min(best, time.perf_counter() - started)
        timings[name] = best * 1000 / faces
        print(f"{name:10} {embedder.name:22} {timings[name]:8.1f} {timings[name] / timings['resnet']:8.2f}x")


if __name__ == "__main__":
    main()
