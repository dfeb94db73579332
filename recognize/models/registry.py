"""Model factory: (task, name) to class; fails loudly on an unknown pair. Adding a model is one line here.

Each factory hands out one instance per process and name, so analyses that use the same model
(photos and video frames, photo and video faces) share its loaded weights.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from recognize.models.base import AudioTagger, FaceDetector, FaceEmbedder, ImageClassifier, Model, TextReader
from recognize.models.blazeface_detector import BlazeFaceDetector
from recognize.models.efficientnet_lite0 import EfficientNetLite0
from recognize.models.faceres_embedder import FaceresEmbedder
from recognize.models.hog_detector import HogDetector
from recognize.models.mmod_detector import MmodDetector
from recognize.models.musicnn import MusicnnMsd, MusicnnMtt
from recognize.models.rapidocr_reader import RapidOcr
from recognize.models.resnet_embedder import ResnetEmbedder

AnyModel = TypeVar("AnyModel", bound=Model)

DETECTORS: dict[str, type[FaceDetector]] = {"hog": HogDetector, "cnn": MmodDetector, "blazeface": BlazeFaceDetector}
EMBEDDERS: dict[str, type[FaceEmbedder]] = {"resnet": ResnetEmbedder, "faceres": FaceresEmbedder}
CLASSIFIERS: dict[str, type[ImageClassifier]] = {"efficientnet-lite0": EfficientNetLite0}
AUDIO_TAGGERS: dict[str, type[AudioTagger]] = {"musicnn-mtt": MusicnnMtt, "musicnn-msd": MusicnnMsd}
TEXT_READERS: dict[str, type[TextReader]] = {"rapidocr": RapidOcr}


def _make(table: dict[str, type[AnyModel]], kind: str, name: str) -> AnyModel:
    try:
        return table[name]()
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}") from None


@cache
def face_detector(name: str) -> FaceDetector:
    """A face detector by its settings name (hog, cnn)."""
    return _make(DETECTORS, "face detector", name)


@cache
def face_embedder(name: str) -> FaceEmbedder:
    """A face embedder by its settings name (faceres, resnet)."""
    return _make(EMBEDDERS, "face embedder", name)


@cache
def image_classifier(name: str = "efficientnet-lite0") -> ImageClassifier:
    """An ImageNet classifier by name."""
    return _make(CLASSIFIERS, "image classifier", name)


@cache
def audio_tagger(name: str) -> AudioTagger:
    """A music tagger by name (musicnn-mtt, musicnn-msd)."""
    return _make(AUDIO_TAGGERS, "audio tagger", name)


@cache
def text_reader(name: str = "rapidocr") -> TextReader:
    """An OCR reader by name."""
    return _make(TEXT_READERS, "text reader", name)
