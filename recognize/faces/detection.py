"""The face pipeline on one decoded image: detect, align and embed, gate on quality, keep a thumbnail.

Boxes and landmarks are stored in pixels of the upright original image, whatever size was decoded.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from recognize.config import FaceSettings
from recognize.faces.store import FoundFace
from recognize.media.images import DecodedImage
from recognize.models.base import Box, Detection, FaceDetector, FaceEmbedder


def blur_score(gray: np.ndarray) -> float:
    """0 for a sharp face, towards 1 for a flat one: 1 / (1 + variance of the Laplacian / 100)."""
    g = gray.astype(np.float32)
    laplacian = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(1.0 / (1.0 + laplacian.var() / 100.0))


def passes_gates(side: float, image_short_side: int, score: float, blur: float, gates: FaceSettings) -> bool:
    """Whether a face is good enough to be clustered (it is stored either way)."""
    return (
        side >= gates.min_face_px
        and side >= gates.min_face_fraction * image_short_side
        and score >= gates.min_score
        and blur <= gates.max_blur
    )


def _clip(box: Box, width: int, height: int) -> Box:
    return Box(max(0, box.left), max(0, box.top), min(width, box.right), min(height, box.bottom))


def _face_crop(image: Image.Image, box: Box, margin: float) -> Image.Image:
    side = max(box.width, box.height) * (1 + margin)
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    return image.crop((round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2)))


def face_thumbnail(image: Image.Image, box: Box, size: int) -> bytes:
    """A square JPEG of a face with some margin around it, ``size`` pixels wide."""
    crop = _face_crop(image, box, 0.4).resize((size, size), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def scan_doublings(longest_side: int, gates: FaceSettings) -> int:
    """How often the detector doubles an image: as often as it stays within ``scan_size``, at most ``upsample``."""
    doublings = 0
    while doublings < gates.upsample and longest_side * 2 ** (doublings + 1) <= gates.scan_size:
        doublings += 1
    return doublings


def detect_faces(pixels: np.ndarray, detector: FaceDetector, gates: FaceSettings) -> list[Detection]:
    """The detector's faces in ``pixels`` coordinates, scanned at ``scan_doublings``."""
    return detector.detect(pixels, scan_doublings(max(pixels.shape[:2]), gates))


def find_faces(
    decoded: DecodedImage,
    detector: FaceDetector,
    embedder: FaceEmbedder,
    gates: FaceSettings,
    frame_ms: int | None = None,
) -> list[FoundFace]:
    """Every face of a decoded image (or of the video frame at ``frame_ms``), described and gated."""
    pixels = decoded.pixels
    height, width = pixels.shape[:2]
    image = Image.fromarray(pixels)
    short_side = min(decoded.original_width, decoded.original_height)
    detections = []
    for detection in detect_faces(pixels, detector, gates):
        box = _clip(detection.box, width, height)
        if box.width >= 4 and box.height >= 4:
            detections.append((box, detection.score))
    descriptions = embedder.describe_all(pixels, [box for box, _ in detections])
    faces = []
    for (box, score), description in zip(detections, descriptions, strict=True):
        gray = np.asarray(_face_crop(image, box, 0.0).convert("L").resize((64, 64)))
        blur = blur_score(gray)
        s = decoded.scale
        original = (round(box.left * s), round(box.top * s), round(box.width * s), round(box.height * s))
        faces.append(
            FoundFace(
                box=original,
                score=score,
                landmarks=[[round(x * s, 1), round(y * s, 1)] for x, y in description.landmarks],
                embedding=description.embedding.astype(np.float32).tobytes(),
                embedding_model=embedder.name,
                age=None if description.age is None else round(description.age, 1),
                blur=blur,
                clusterable=passes_gates(max(original[2], original[3]), short_side, score, blur, gates),
                thumbnail=face_thumbnail(image, box, gates.thumbnail_size),
                frame_ms=frame_ms,
            )
        )
    return faces
