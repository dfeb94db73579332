"""Video: sampled frames go through the object classifier and the face pipeline.

A video gets the object tags seen in at least ``min_frame_share`` of its frames (score: their mean
probability over all sampled frames) and one face per distinct person, which then joins persons
like any photo's face.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from recognize.faces.store import FoundFace


@dataclass(frozen=True)
class VideoResult:
    """Tags (name, score) and faces of one video, and how many frames were looked at."""

    frames: int
    tags: list[tuple[str, float]] = field(default_factory=list)
    faces: list[FoundFace] = field(default_factory=list)


def downscaled(pixels: np.ndarray, side: int) -> np.ndarray:
    """A frame at most ``side`` pixels long, reduced the way photos are for the classifier."""
    image = Image.fromarray(pixels)
    image.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(image)


def distinct_faces(faces: list[FoundFace], distance: float) -> list[FoundFace]:
    """One face per person seen: the best (clusterable, largest, surest) of each group closer than ``distance``."""
    ranked = sorted(faces, key=lambda face: (face.clusterable, face.box[2] * face.box[3], face.score), reverse=True)
    kept: list[FoundFace] = []
    vectors: list[np.ndarray] = []
    for face in ranked:
        vector = np.frombuffer(face.embedding, dtype=np.float32)
        if all(np.linalg.norm(vector - other) >= distance for other in vectors):
            kept.append(face)
            vectors.append(vector)
    return kept
