"""Video: object tags and faces of sampled frames (``tags.video``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.analyses.faces import FaceAnalysis
from recognize.config import Settings
from recognize.faces.store import FoundFace, store_faces
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags

if TYPE_CHECKING:
    from recognize.media.video import Frame
    from recognize.models.base import ImageClassifier
    from recognize.tags.video import VideoResult


class VideoAnalysis(Analysis):
    """Object tags and faces of videos, from evenly sampled frames."""

    name = "video"
    media = frozenset({"video"})
    requires = ("metadata",)
    finds_faces = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.faces = FaceAnalysis(settings)

    @cached_property
    def classifier(self) -> ImageClassifier:
        """The ImageNet classifier (its weights load on first use)."""
        from recognize.models.registry import image_classifier

        return image_classifier()

    @property
    def model(self) -> str:  # type: ignore[override]
        return self.model_for({})

    def enabled(self) -> bool:
        return self.settings.tags.video.enabled

    def model_for(self, library_settings: dict[str, object]) -> str:
        if self.faces.enabled_for(library_settings):
            return f"{self.classifier.name}+{self.faces.model_for(library_settings)}"
        return self.classifier.name

    def _tags(self, frames: list[Frame]) -> list[tuple[str, float]]:
        from recognize.tags.objects import labels_from
        from recognize.tags.video import downscaled

        totals: dict[str, float] = {}
        seen: dict[str, int] = {}
        objects = self.settings.tags.objects
        for frame in frames:
            probabilities = self.classifier.classify(downscaled(frame.pixels, objects.working_size))
            for label in labels_from(probabilities, self.classifier.classes, objects):
                totals[label.name] = totals.get(label.name, 0.0) + label.score
                seen[label.name] = seen.get(label.name, 0) + 1
        needed = self.settings.tags.video.min_frame_share * len(frames)
        kept = [(name, round(totals[name] / len(frames), 4)) for name in totals if seen[name] >= needed]
        return sorted(kept, key=lambda tag: -tag[1])

    def _faces(self, frames: list[Frame], library_settings: dict[str, object]) -> list[FoundFace]:
        from recognize.faces.detection import find_faces
        from recognize.faces.thresholds import with_model_thresholds
        from recognize.media.images import DecodedImage
        from recognize.tags.video import distinct_faces

        settings = self.faces.settings_for(library_settings)
        detector = self.faces.detector_for(settings)
        found: list[FoundFace] = []
        for frame in frames:
            height, width = frame.pixels.shape[:2]
            decoded = DecodedImage(frame.pixels, frame.scale, round(width * frame.scale), round(height * frame.scale))
            found.extend(find_faces(decoded, detector, self.faces.embedder, settings, frame_ms=frame.ms))
        return distinct_faces(found, with_model_thresholds(settings).cluster_distance or 0.0)

    def compute(self, job: FileJob) -> VideoResult:
        from recognize.media.probe import probe
        from recognize.media.video import frame_times, sample_frames
        from recognize.tags.video import VideoResult

        video = self.settings.tags.video
        times = frame_times(
            probe(job.path, "video").duration, video.frames_per_minute, video.min_frames, video.max_frames
        )
        with_faces = self.faces.enabled_for(job.library_settings)
        max_side = (
            self.faces.settings_for(job.library_settings).working_size
            if with_faces
            else self.settings.tags.objects.working_size
        )
        frames = sample_frames(job.path, times, max_side)
        faces = self._faces(frames, job.library_settings) if with_faces else []
        return VideoResult(len(frames), self._tags(frames), faces)

    def store(self, session: Session, media_file: MediaFile, result: VideoResult) -> None:
        from recognize.tags.objects import KIND

        tags = [(name, KIND, score, self.classifier.name) for name, score in result.tags]
        replace_tags(session, media_file.id, [self.classifier.name], tags)
        store_faces(session, media_file.id, result.faces)
