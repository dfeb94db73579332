"""Embeddings of the labelled faces in ../shared/data/faces, with their identity (shared by the face benchmarks).

Photos (face_recognition/): HOG detection at the pipeline's working size, the largest face, identical
files counted once. Tight crops (face-api.js/, dlib-johns/): padded by half their size with their
edge colour before detection, so the detector sees a face with surroundings.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from recognize.config import FaceSettings
from recognize.faces.detection import find_faces
from recognize.media.images import DecodedImage, load_image
from recognize.models.registry import face_detector, face_embedder

FACES = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"


@dataclass(frozen=True)
class LabelledSet:
    """Embeddings (one row per face) and their identities."""

    name: str
    embeddings: np.ndarray
    identities: list[str]
    missed: int


def _identity(row: dict[str, str]) -> str | None:
    label = row["label"]
    if label.startswith(("group", "video", "unlabelled", "expression", "johnsnow", "5-frame", "cast")):
        return "kit harington" if label.startswith("johnsnow") else None
    return label.split("(")[0].split(";")[0].strip().lower()


def _decoded_crop(path: Path) -> DecodedImage:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    pad = max(rgb.size) // 2
    padded = ImageOps.expand(rgb, border=pad, fill=rgb.getpixel((0, 0)))
    return DecodedImage(np.asarray(padded), 1.0, padded.size[0], padded.size[1])


def load_set(name: str, settings: FaceSettings, crops: bool) -> LabelledSet:
    """Detect and embed every labelled single-identity file of one folder."""
    detector, embedder = face_detector(settings.detector), face_embedder(settings.embedder)
    folder = FACES / name
    seen: set[str] = set()
    vectors, identities, missed = [], [], 0
    with (folder / "labels.csv").open() as handle:
        for row in csv.DictReader(handle):
            identity = _identity(row)
            path = folder / row["file"]
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if identity is None or digest in seen:
                continue
            seen.add(digest)
            decoded = _decoded_crop(path) if crops else load_image(path, 10**8, 16, settings.working_size)
            faces = find_faces(decoded, detector, embedder, settings)
            if not faces:
                missed += 1
                continue
            largest = max(faces, key=lambda face: face.box[2] * face.box[3])
            vectors.append(np.frombuffer(largest.embedding, dtype=np.float32))
            identities.append(identity)
    return LabelledSet(name, np.stack(vectors), identities, missed)


def all_sets(settings: FaceSettings) -> list[LabelledSet]:
    """The three labelled folders."""
    return [
        load_set("face_recognition", settings, crops=False),
        load_set("face-api.js", settings, crops=True),
        load_set("dlib-johns", settings, crops=True),
    ]
