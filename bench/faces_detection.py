"""Detection benchmark: recall and false positives against the hand-drawn boxes of dlib-faces.

Every box in ../shared/data/faces/dlib-faces/{training,testing}.xml (boxes marked ignore are
skipped); a detection matches a box at IoU >= 0.4. Run per detector at the pipeline's settings.

Then the same photos pasted unscaled into one 1500 px image (faces at the size a camera photo shows them
at the 1600 px scan), found per face size, with the detection time on one thread.

With ``--wider DIR``, also WIDER FACE validation photos (``bench/wider_face.py``: recall by face size, false
faces per photo, ms per photo on one thread; ``--split dev|held-out|all``).

usage: OMP_NUM_THREADS=1 python bench/faces_detection.py [--detectors hog cnn blazeface] [--wider research/wider]
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import wider_face

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


CELL = 500


def mosaic(expected: dict[str, list[Box]]) -> tuple[np.ndarray, list[Box]]:
    """The photos pasted unscaled into one 1500 x 1500 image (3 x 3 cells of 500 px): their faces, 37-109 px,
    are then the size a 12 MP camera photo shows them at the 1600 px scan."""
    canvas = np.zeros((3 * CELL, 3 * CELL, 3), dtype=np.uint8)
    boxes: list[Box] = []
    for index, (file_name, found) in enumerate(sorted(expected.items())[:9]):
        pixels = load_image(FOLDER / file_name, 10**8, 16, None).pixels[:CELL, :CELL]
        x0, y0 = (index % 3) * CELL, (index // 3) * CELL
        canvas[y0 : y0 + pixels.shape[0], x0 : x0 + pixels.shape[1]] = pixels
        boxes += [
            (a + x0, b + y0, c + x0, d + y0) for a, b, c, d in found if c <= pixels.shape[1] and d <= pixels.shape[0]
        ]
    return canvas, boxes


def evaluate_mosaic(detector_name: str, settings: FaceSettings, expected: dict[str, list[Box]]) -> None:
    canvas, boxes = mosaic(expected)
    detector = face_detector(detector_name)
    detect_faces(canvas, detector, settings)  # loads the model outside the timing
    started = time.perf_counter()
    found = [(d.box.left, d.box.top, d.box.right, d.box.bottom) for d in detect_faces(canvas, detector, settings)]
    seconds = time.perf_counter() - started
    by_size = {"<48": [0, 0], "48-96": [0, 0], ">96": [0, 0]}
    unmatched = list(found)
    for box in boxes:
        side = max(box[2] - box[0], box[3] - box[1])
        size = "<48" if side < 48 else "48-96" if side <= 96 else ">96"
        best = max(unmatched, key=lambda d: iou(box, d), default=None)
        hit = best is not None and iou(box, best) >= 0.4
        if hit:
            unmatched.remove(best)
        by_size[size][0] += hit
        by_size[size][1] += 1
    hits = sum(hit for hit, _ in by_size.values())
    sizes = ", ".join(f"{size}: {hit}/{total}" for size, (hit, total) in by_size.items())
    print(
        f"{detector_name:9} mosaic 1500 px, upsample {settings.upsample}: found {hits}/{len(boxes)} ({sizes}), "
        f"{len(unmatched)} false, {seconds * 1000:.0f} ms"
    )


def evaluate_wider(detector_name: str, settings: FaceSettings, folder: Path, split: str) -> None:
    detector = face_detector(detector_name)
    photos = wider_face.read(folder, split)

    def load(path: Path) -> tuple[np.ndarray, float]:
        decoded = load_image(path, 10**8, 16, settings.working_size)
        return decoded.pixels, decoded.scale

    def detect(loaded: tuple[np.ndarray, float]) -> np.ndarray:
        pixels, s = loaded
        found = detect_faces(pixels, detector, settings)
        return np.array([(d.box.left, d.box.top, d.box.right, d.box.bottom) for d in found], dtype=float) * s

    detect(load(photos[0].path))  # loads the model outside the timing
    score = wider_face.evaluate(photos, load, detect)
    print(f"{detector_name:9} WIDER FACE val, {split} ({len(photos)} photos): {score.line()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", nargs="*", default=["hog", "cnn"])
    parser.add_argument("--wider", type=Path, help="a WIDER FACE folder (WIDER_val/images, wider_face_split)")
    parser.add_argument("--split", choices=["dev", "held-out", "all"], default="dev")
    parser.add_argument("--only-wider", action="store_true", help="skip the dlib-faces figures")
    args = parser.parse_args()
    if args.wider:
        for name in args.detectors:
            evaluate_wider(name, FaceSettings(), args.wider, args.split)
    if args.only_wider:
        return
    expected = truth()
    print(f"{len(expected)} photos, {sum(map(len, expected.values()))} hand-drawn faces")
    for name in args.detectors:
        for upsample in (0, 1):
            evaluate(name, FaceSettings(upsample=upsample), expected)
    for name in args.detectors:
        evaluate_mosaic(name, FaceSettings(), expected)


if __name__ == "__main__":
    main()
