"""Model factory: (task, name) to class; fails loudly on an unknown pair. Adding a model is one line here."""

from __future__ import annotations

from recognize.models.base import FaceDetector, FaceEmbedder, Model
from recognize.models.hog_detector import HogDetector
from recognize.models.mmod_detector import MmodDetector
from recognize.models.resnet_embedder import ResnetEmbedder

DETECTORS: dict[str, type[FaceDetector]] = {"hog": HogDetector, "cnn": MmodDetector}
EMBEDDERS: dict[str, type[FaceEmbedder]] = {"resnet": ResnetEmbedder}


def _make(table: dict[str, type[Model]], kind: str, name: str) -> Model:
    try:
        return table[name]()
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}") from None


def face_detector(name: str) -> FaceDetector:
    """A face detector by its settings name (hog, cnn)."""
    detector = _make(DETECTORS, "face detector", name)  # type: ignore[arg-type]
    assert isinstance(detector, FaceDetector)
    return detector


def face_embedder(name: str = "resnet") -> FaceEmbedder:
    """A face embedder by name."""
    embedder = _make(EMBEDDERS, "face embedder", name)  # type: ignore[arg-type]
    assert isinstance(embedder, FaceEmbedder)
    return embedder
