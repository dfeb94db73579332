"""WIDER FACE validation photos as a detection benchmark: crowds, couples, families, interviews, dancers.

Reads a folder in WIDER FACE's own layout (``WIDER_val/images/<scene>/<photo>.jpg`` and
``wider_face_split/wider_face_val_bbx_gt.txt``); research data, kept in a git-ignored folder. Each
annotated box is ``x y w h blur expression illumination invalid occlusion pose``. Faces are counted by
their longer side in the photo's pixels: 24-48, 48-96 and over 96; boxes marked invalid and faces under 24 px are
neither counted as missed nor, when a detection lands on them, as false. A detection matches a face at
IoU >= ``MATCH_IOU``; one that matches no annotated box at all is a false face.

Split: the scenes ``19--Couple`` and ``20--Family_Group`` are the held-out part (never tuned on);
the others present (``0--Parade``, ``13--Interview``) are the dev part. Photos without annotations are left out.

Where the photos came from: 394 WIDER FACE validation photos (scenes parade, dancing, interview, couple,
family group) and the validation annotations, both found in the public repository
``SihanWang-WHU/Face_Detection`` (``data/WIDER_val``, ``data/wider_face_split``), fetched with the search
tool and copied into ``research/wider``; WIDER FACE is for non-commercial research, so never committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

Loaded = TypeVar("Loaded")

MATCH_IOU = 0.4
IGNORE_IOU = 0.3  # a detection overlapping an uncounted box this much is not a false face
HELD_OUT_SCENES = ("19--Couple", "20--Family_Group")
SIZES = ("24-48", "48-96", ">96")


@dataclass(frozen=True)
class Annotated:
    path: Path
    counted: np.ndarray  # (n, 4) x0, y0, x1, y1 of the faces that count
    uncounted: np.ndarray  # invalid or under 24 px


def read(folder: Path, split: str) -> list[Annotated]:
    """The annotated photos of ``split`` (dev, held-out or all) that exist in ``folder``."""
    lines = iter((folder / "wider_face_split" / "wider_face_val_bbx_gt.txt").read_text().splitlines())
    photos = []
    for name in lines:
        count = int(next(lines))
        rows = [next(lines).split() for _ in range(max(count, 1))][:count]
        path = folder / "WIDER_val" / "images" / name.strip()
        held_out = name.split("/")[0] in HELD_OUT_SCENES
        if not path.exists() or (split == "dev" and held_out) or (split == "held-out" and not held_out):
            continue
        boxes = np.array([[float(v) for v in row[:4]] for row in rows]).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        invalid = np.array([row[7] == "1" for row in rows], dtype=bool)
        small = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) < 24
        photos.append(Annotated(path, boxes[~invalid & ~small], boxes[invalid | small]))
    return photos


def overlaps(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of ``box`` with each of ``boxes``."""
    top_left, bottom_right = np.maximum(box[:2], boxes[:, :2]), np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod((bottom_right - top_left).clip(0), axis=1)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / ((box[2] - box[0]) * (box[3] - box[1]) + areas - inter + 1e-9)


@dataclass
class Score:
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIZES, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIZES, 0))
    false_faces: int = 0
    photos: int = 0
    seconds: float = 0.0

    def add(self, photo: Annotated, detected: np.ndarray) -> None:
        """Match one photo's detections (x0, y0, x1, y1), largest faces first."""
        self.photos += 1
        free = np.ones(len(detected), dtype=bool)
        sides = np.maximum(photo.counted[:, 2] - photo.counted[:, 0], photo.counted[:, 3] - photo.counted[:, 1])
        for index in np.argsort(-sides):
            size = SIZES[0] if sides[index] < 48 else SIZES[1] if sides[index] <= 96 else SIZES[2]
            self.total[size] += 1
            if free.any():
                iou = np.where(free, overlaps(photo.counted[index], detected.reshape(-1, 4)), 0.0)
                if iou.max() >= MATCH_IOU:
                    free[int(iou.argmax())] = False
                    self.found[size] += 1
        for box in detected[free]:
            if not len(photo.uncounted) or overlaps(box, photo.uncounted).max() < IGNORE_IOU:
                self.false_faces += 1

    def line(self) -> str:
        recall = ", ".join(
            f"{s}: {self.found[s] / max(self.total[s], 1):.3f} ({self.found[s]}/{self.total[s]})" for s in SIZES
        )
        return (
            f"recall {recall}; false faces {self.false_faces / self.photos:.3f} per photo ({self.false_faces} on "
            f"{self.photos}); {self.seconds / self.photos * 1000:.0f} ms/photo"
        )


def evaluate(
    photos: list[Annotated], load: Callable[[Path], np.ndarray], detect: Callable[[np.ndarray], np.ndarray]
) -> Score:
    """Detection timed alone (decoding is not), one photo at a time."""
    score = Score()
    for photo, pixels in _decoded(photos, load):
        started = time.perf_counter()
        detected = detect(pixels)
        score.seconds += time.perf_counter() - started
        score.add(photo, detected)
    return score


def _decoded(photos: list[Annotated], load: Callable[[Path], Loaded]) -> Iterator[tuple[Annotated, Loaded]]:
    for photo in photos:
        yield photo, load(photo.path)
