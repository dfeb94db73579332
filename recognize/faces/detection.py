"""Face analysis: decode at working size, detect, align and embed, gate on quality, keep a thumbnail.

Boxes and landmarks are stored in pixels of the upright original image, whatever size was decoded.
"""

from __future__ import annotations

import base64
import io
from dataclasses import asdict
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from recognize.config import LIBRARY_FACE_SETTINGS, FaceSettings, Settings, face_settings_with
from recognize.faces.store import FoundFace, store_faces
from recognize.jobs.analysis import Analysis, FileJob
from recognize.media.images import DecodedImage, load_image
from recognize.models.base import Box, FaceDetector, FaceEmbedder
from recognize.models.registry import DETECTORS, face_detector, face_embedder
from recognize.storage.models import MediaFile


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


def _thumbnail(image: Image.Image, box: Box, size: int) -> bytes:
    crop = _face_crop(image, box, 0.4).resize((size, size), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


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
    for detection in detector.detect(pixels, gates.upsample):
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
                thumbnail=_thumbnail(image, box, gates.thumbnail_size),
                frame_ms=frame_ms,
            )
        )
    return faces


class FaceAnalysis(Analysis):
    """Detect and embed the faces of each image."""

    name = "faces"
    media = frozenset({"image"})
    requires = ("metadata",)
    remote = True
    finds_faces = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.detectors: dict[str, FaceDetector] = {}
        self.embedder = face_embedder(settings.faces.embedder)
        self.model = self.model_for({})

    def settings_for(self, library_settings: dict[str, Any]) -> FaceSettings:
        """The face settings of a library: the instance's, with the library's overrides."""
        return face_settings_with(self.settings.faces, library_settings.get("faces", {}), LIBRARY_FACE_SETTINGS)

    def enabled_for(self, library_settings: dict[str, Any]) -> bool:
        switch = library_settings.get("analyses", {}).get(self.name)
        return self.settings_for(library_settings).enabled if switch is None else bool(switch)

    def model_for(self, library_settings: dict[str, Any]) -> str:
        detector = DETECTORS[self.settings_for(library_settings).detector]
        return f"{detector.name}+{self.embedder.name}"

    def detector_for(self, faces: FaceSettings) -> FaceDetector:
        """The detector these settings name, loaded once per worker."""
        if faces.detector not in self.detectors:
            self.detectors[faces.detector] = face_detector(faces.detector)
        return self.detectors[faces.detector]

    def compute(self, job: FileJob) -> list[FoundFace]:
        faces = self.settings_for(job.library_settings)
        decoded = load_image(job.path, self.settings.max_image_pixels, self.settings.min_image_side, faces.working_size)
        return find_faces(decoded, self.detector_for(faces), self.embedder, faces)

    def encode(self, result: list[FoundFace]) -> list[dict[str, Any]]:
        return [
            {
                **asdict(face),
                "embedding": base64.b64encode(face.embedding).decode(),
                "thumbnail": base64.b64encode(face.thumbnail).decode(),
            }
            for face in result
        ]

    def decode(self, data: list[dict[str, Any]]) -> list[FoundFace]:
        return [
            FoundFace(
                box=tuple(item["box"]),  # type: ignore[arg-type]
                score=float(item["score"]),
                landmarks=item["landmarks"],
                embedding=base64.b64decode(item["embedding"]),
                embedding_model=str(item["embedding_model"]),
                age=None if item.get("age") is None else float(item["age"]),
                blur=float(item["blur"]),
                clusterable=bool(item["clusterable"]),
                thumbnail=base64.b64decode(item["thumbnail"]),
                frame_ms=item.get("frame_ms"),
            )
            for item in data
        ]

    def store(self, session: Session, media_file: MediaFile, result: list[FoundFace]) -> None:
        store_faces(session, media_file.id, result)
