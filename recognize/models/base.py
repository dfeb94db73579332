"""The interfaces every model implements: faces (detect, describe), image labels, audio tags, text."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Box:
    """A face box in pixels of the image it was found in."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class Detection:
    """One detected face and the detector's confidence."""

    box: Box
    score: float


@dataclass(frozen=True)
class FaceDescription:
    """Landmarks (x, y pairs), the L2-normalised embedding and, when the model estimates it, the age."""

    landmarks: list[tuple[float, float]]
    embedding: np.ndarray
    age: float | None = None


class Model(ABC):
    """A model loads its weights on first use, never at import or construction."""

    name: ClassVar[str]
    task: ClassVar[str]

    def __init__(self) -> None:
        self._loaded: Any = None

    @property
    def loaded(self) -> Any:
        """The underlying model object, loaded on first access."""
        if self._loaded is None:
            self._loaded = self.load()
        return self._loaded

    @abstractmethod
    def load(self) -> Any:
        """Load the weights from the installed package."""


class FaceDetector(Model):
    """Finds faces in an RGB image."""

    task = "face-detection"

    @abstractmethod
    def detect(self, pixels: np.ndarray, upsample: int) -> list[Detection]:
        """Faces in ``pixels`` (H x W x 3, uint8), best first."""


class FaceEmbedder(Model):
    """Aligns a face and turns it into an embedding where distance means dissimilarity.

        Distances differ between models, so each declares the clustering thresholds measured for it:
        ``cluster_distance`` (every pair in a new person closer than this), ``join_distance``, and, for a
        model that estimates age, ``child_distance`` (the cap for pairs with a child's face); persons whose
    mean faces are closer than ``suggest_distance`` are suggested for merging. ``linkage`` is the order
    in which new persons grow under the cap (``faces.clustering``), also measured per model.
    """

    task = "face-embedding"
    cluster_distance: ClassVar[float]
    join_distance: ClassVar[float]
    suggest_distance: ClassVar[float]
    child_distance: ClassVar[float | None] = None
    linkage: ClassVar[Literal["average", "complete"]] = "complete"

    @abstractmethod
    def describe(self, pixels: np.ndarray, box: Box) -> FaceDescription:
        """Landmarks and embedding of the face in ``box``."""

    def describe_all(self, pixels: np.ndarray, boxes: Sequence[Box]) -> list[FaceDescription]:
        """Every face of one image (models that batch override this)."""
        return [self.describe(pixels, box) for box in boxes]


@dataclass(frozen=True)
class Label:
    """One class a model sees, with its probability (0..1)."""

    name: str
    score: float


class ImageClassifier(Model):
    """Scores an RGB image against a fixed set of classes."""

    task = "image-classification"

    @abstractmethod
    def classify(self, pixels: np.ndarray) -> np.ndarray:
        """Probabilities of every class for ``pixels`` (H x W x 3, uint8), in the order of ``classes``."""

    @property
    @abstractmethod
    def classes(self) -> list[str]:
        """Human-readable class names."""


class AudioTagger(Model):
    """Scores a mono waveform against a fixed set of tags."""

    task = "audio-tagging"
    sample_rate: ClassVar[int]

    @abstractmethod
    def tag(self, waveform: np.ndarray) -> list[Label]:
        """Every tag with its mean probability over the clip (float32 mono at ``sample_rate``), best first."""


class TextReader(Model):
    """Finds and reads printed text in an RGB image."""

    task = "text-recognition"

    @abstractmethod
    def read(self, pixels: np.ndarray) -> list[Label]:
        """Text lines found, each with the recogniser's confidence, in reading order."""
