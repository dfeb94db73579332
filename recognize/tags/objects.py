"""Objects and scenes: ImageNet-1000 classes above a threshold, plus everyday tags ("cat", "beach", "car")."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from recognize.config import ObjectSettings, Settings
from recognize.jobs.analysis import Analysis, FileJob
from recognize.media.images import load_image
from recognize.models.base import ImageClassifier, Label
from recognize.models.registry import image_classifier
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags

EVERYDAY_TAGS = Path(__file__).with_name("everyday_tags.toml")
KIND = "object"


@cache
def everyday_tags() -> dict[str, list[int]]:
    """Everyday tag -> the ImageNet class indices it covers (``everyday_tags.toml``)."""
    table = tomllib.loads(EVERYDAY_TAGS.read_text(encoding="utf-8"))
    tags = {}
    for tag, items in table.items():
        indices: list[int] = []
        for item in items:
            first, _, last = item.partition("-")
            indices.extend(range(int(first), int(last or first) + 1))
        tags[tag] = sorted(set(indices))
    return tags


def labels_from(probabilities: np.ndarray, classes: list[str], settings: ObjectSettings) -> list[Label]:
    """The top-k fine classes and the everyday tags whose probability reaches the threshold, best first."""
    fine: dict[str, float] = {}
    for index in np.argsort(probabilities)[::-1][: settings.top_k]:
        fine[classes[index]] = fine.get(classes[index], 0.0) + float(probabilities[index])
    everyday = {tag: float(probabilities[indices].sum()) for tag, indices in everyday_tags().items()}
    labels = {name: score for name, score in fine.items() if score >= settings.threshold}
    for tag, score in everyday.items():
        if score >= settings.threshold:
            labels[tag] = max(score, labels.get(tag, 0.0))
    return sorted((Label(name, round(score, 4)) for name, score in labels.items()), key=lambda label: -label.score)


class ObjectsAnalysis(Analysis):
    """Tags photos with what the ImageNet classifier sees in them."""

    name = "objects"
    media = frozenset({"image"})
    requires = ("metadata",)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.classifier: ImageClassifier = image_classifier()
        self.model = self.classifier.name

    def enabled(self) -> bool:
        return self.settings.tags.objects.enabled

    def compute(self, job: FileJob) -> list[Label]:
        decoded = load_image(
            job.path,
            self.settings.max_image_pixels,
            self.settings.min_image_side,
            self.settings.tags.objects.working_size,
        )
        probabilities = self.classifier.classify(decoded.pixels)
        return labels_from(probabilities, self.classifier.classes, self.settings.tags.objects)

    def store(self, session: Session, media_file: MediaFile, result: list[Label]) -> None:
        tags = [(label.name, KIND, label.score, self.model) for label in result]
        replace_tags(session, media_file.id, [self.model], tags)
