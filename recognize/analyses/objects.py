"""Objects and scenes: the ImageNet classifier's classes and everyday tags of each photo (``tags.objects``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.config import Settings
from recognize.media.images import load_image
from recognize.models.base import ImageClassifier, Label
from recognize.models.registry import image_classifier
from recognize.storage.models import MediaFile
from recognize.tags.objects import KIND, labels_from
from recognize.tags.store import replace_tags


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
