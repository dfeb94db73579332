"""Model factory: (task, name) to class; fails loudly on an unknown pair. Adding a model is one line here."""

from __future__ import annotations

from recognize.models.base import AudioTagger, FaceDetector, FaceEmbedder, ImageClassifier, Model, TextReader
from recognize.models.efficientnet_lite0 import EfficientNetLite0
from recognize.models.hog_detector import HogDetector
from recognize.models.mmod_detector import MmodDetector
from recognize.models.musicnn import MusicnnMsd, MusicnnMtt
from recognize.models.rapidocr_reader import RapidOcr
from recognize.models.resnet_embedder import ResnetEmbedder

DETECTORS: dict[str, type[FaceDetector]] = {"hog": HogDetector, "cnn": MmodDetector}
EMBEDDERS: dict[str, type[FaceEmbedder]] = {"resnet": ResnetEmbedder}
CLASSIFIERS: dict[str, type[ImageClassifier]] = {"efficientnet-lite0": EfficientNetLite0}
AUDIO_TAGGERS: dict[str, type[AudioTagger]] = {"musicnn-mtt": MusicnnMtt, "musicnn-msd": MusicnnMsd}
TEXT_READERS: dict[str, type[TextReader]] = {"rapidocr": RapidOcr}


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


def image_classifier(name: str = "efficientnet-lite0") -> ImageClassifier:
    """An ImageNet classifier by name."""
    classifier = _make(CLASSIFIERS, "image classifier", name)  # type: ignore[arg-type]
    assert isinstance(classifier, ImageClassifier)
    return classifier


def audio_tagger(name: str) -> AudioTagger:
    """A music tagger by name (musicnn-mtt, musicnn-msd)."""
    tagger = _make(AUDIO_TAGGERS, "audio tagger", name)  # type: ignore[arg-type]
    assert isinstance(tagger, AudioTagger)
    return tagger


def text_reader(name: str = "rapidocr") -> TextReader:
    """An OCR reader by name."""
    reader = _make(TEXT_READERS, "text reader", name)  # type: ignore[arg-type]
    assert isinstance(reader, TextReader)
    return reader
