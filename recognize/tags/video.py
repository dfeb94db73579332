"""Video: sampled frames go through the object classifier and the face pipeline.

A video gets the object tags seen in at least ``min_frame_share`` of its frames (score: their mean
probability over all sampled frames) and one face per distinct person, which then joins persons
like any photo's face.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from recognize.config import Settings
from recognize.faces.detection import FaceAnalysis, find_faces
from recognize.faces.store import FoundFace, store_faces
from recognize.faces.thresholds import with_model_thresholds
from recognize.jobs.analysis import Analysis, FileJob
from recognize.media.images import DecodedImage
from recognize.media.probe import probe
from recognize.media.video import Frame, frame_times, sample_frames
from recognize.models.base import ImageClassifier
from recognize.models.registry import image_classifier
from recognize.storage.models import MediaFile
from recognize.tags.objects import KIND, labels_from
from recognize.tags.store import replace_tags


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


class VideoAnalysis(Analysis):
    """Object tags and faces of videos, from evenly sampled frames."""

    name = "video"
    media = frozenset({"video"})
    requires = ("metadata",)
    finds_faces = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.classifier: ImageClassifier = image_classifier()
        self.faces = FaceAnalysis(settings)
        self.model = self.model_for({})

    def enabled(self) -> bool:
        return self.settings.tags.video.enabled

    def model_for(self, library_settings: dict[str, object]) -> str:
        if self.faces.enabled_for(library_settings):
            return f"{self.classifier.name}+{self.faces.model_for(library_settings)}"
        return self.classifier.name

    def _tags(self, frames: list[Frame]) -> list[tuple[str, float]]:
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
        settings = self.faces.settings_for(library_settings)
        detector = self.faces.detector_for(settings)
        found: list[FoundFace] = []
        for frame in frames:
            height, width = frame.pixels.shape[:2]
            decoded = DecodedImage(frame.pixels, frame.scale, round(width * frame.scale), round(height * frame.scale))
            found.extend(find_faces(decoded, detector, self.faces.embedder, settings, frame_ms=frame.ms))
        return distinct_faces(found, with_model_thresholds(settings).cluster_distance or 0.0)

    def compute(self, job: FileJob) -> VideoResult:
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
        tags = [(name, KIND, score, self.classifier.name) for name, score in result.tags]
        replace_tags(session, media_file.id, [self.classifier.name], tags)
        store_faces(session, media_file.id, result.faces)
