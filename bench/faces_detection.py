"""Detection benchmark: recall and false positives against the hand-drawn boxes of dlib-faces.

Every box in ../shared/data/faces/dlib-faces/{training,testing}.xml (boxes marked ignore are
skipped); a detection matches a box at IoU >= 0.4. Run per detector at the pipeline's settings.

usage: python bench/faces_detection.py [--detectors hog cnn]
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from recognize.config import FaceSettings
from recognize.faces.detection import detect_faces
from recognize.media.images import load_image
from recognize.models.registry import face_detector

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces" / "dlib-faces"
Box = tuple[float, float, float, float]


def truth() -> dict[str, list[Box]]:
    """File name -> hand-drawn boxes (left, top, right, bottom)."""
    boxes: dict[str, list[Box]] = {}
    for name in ("training.xml", "testing.xml"):
        for image in ElementTree.parse(FOLDER / name).getroot().iter("image"):
            found = boxes.setdefault(image.get("file", ""), [])
            for box in image.iter("box"):
                if box.get("ignore") == "1":
                    continue
                left, top = float(box.get("left", 0)), float(box.get("top", 0))
                found.append((left, top, left + float(box.get("width", 0)), top + float(box.get("height", 0))))
    return boxes


def iou(a: Box, b: Box) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def evaluate(detector_name: str, settings: FaceSettings, expected: dict[str, list[Box]]) -> None:
    detector = face_detector(detector_name)
    hits = misses = false_positives = 0
    started = time.perf_counter()
    for file_name, boxes in expected.items():
        decoded = load_image(FOLDER / file_name, 10**8, 16, settings.working_size)
        s = decoded.scale
        found = [
            (d.box.left * s, d.box.top * s, d.box.right * s, d.box.bottom * s)
            for d in detect_faces(decoded.pixels, detector, settings)
        ]
        unmatched = list(boxes)
        for box in found:
            best = max(unmatched, key=lambda t: iou(box, t), default=None)
            if best is not None and iou(box, best) >= 0.4:
                unmatched.remove(best)
                hits += 1
            else:
                false_positives += 1
        misses += len(unmatched)
    seconds = time.perf_counter() - started
    total = hits + misses
    print(
        f"{detector_name:4} upsample {settings.upsample}, scan {settings.scan_size} px: "
        f"recall {hits / total:.3f} ({hits}/{total}), "
        f"false positives {false_positives}, {seconds / len(expected) * 1000:.0f} ms/photo"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", nargs="*", default=["hog", "cnn"])
    args = parser.parse_args()
    expected = truth()
    print(f"{len(expected)} photos, {sum(map(len, expected.values()))} hand-drawn faces")
    for name in args.detectors:
        for upsample in (0, 1):
            evaluate(name, FaceSettings(upsample=upsample), expected)


if __name__ == "__main__":
    main()
