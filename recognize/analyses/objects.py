"""Objects and scenes: the ImageNet classifier's classes and everyday tags of each photo (``tags.objects``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags

if TYPE_CHECKING:
    from recognize.models.base import ImageClassifier, Label


class ObjectsAnalysis(Analysis):
    """Tags photos with what the ImageNet classifier sees in them."""

    name = "objects"
    media = frozenset({"image"})
    requires = ("metadata",)

    @cached_property
    def classifier(self) -> ImageClassifier:
        """The ImageNet classifier (its weights load on first use)."""
        from recognize.models.registry import image_classifier

        return image_classifier()

    @property
    def model(self) -> str:  # type: ignore[override]
        return self.classifier.name

    def enabled(self) -> bool:
        return self.settings.tags.objects.enabled

    def compute(self, job: FileJob) -> list[Label]:
        from recognize.media.images import load_image
        from recognize.tags.objects import labels_from

        decoded = load_image(
            job.path,
            self.settings.max_image_pixels,
            self.settings.min_image_side,
            self.settings.tags.objects.working_size,
        )
        probabilities = self.classifier.classify(decoded.pixels)
        return labels_from(probabilities, self.classifier.classes, self.settings.tags.objects)

    def store(self, session: Session, media_file: MediaFile, result: list[Label]) -> None:
        from recognize.tags.objects import KIND

        tags = [(label.name, KIND, label.score, self.model) for label in result]
        replace_tags(session, media_file.id, [self.model], tags)
