"""Faces: detect and embed the faces of each image (the pipeline is ``faces.detection``)."""

from __future__ import annotations

import base64
from dataclasses import asdict
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.config import LIBRARY_FACE_SETTINGS, FaceSettings, Settings, face_settings_with
from recognize.faces.store import FoundFace, store_faces
from recognize.storage.models import MediaFile

if TYPE_CHECKING:
    from recognize.models.base import FaceDetector, FaceEmbedder


class FaceAnalysis(Analysis):
    """Detect and embed the faces of each image."""

    name = "faces"
    media = frozenset({"image"})
    requires = ("metadata",)
    remote = True
    finds_faces = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.detectors: dict[str, FaceDetector] = {}

    @cached_property
    def embedder(self) -> FaceEmbedder:
        """The embedder the settings name (its weights load on first use)."""
        from recognize.models.registry import face_embedder

        return face_embedder(self.settings.faces.embedder)

    @property
    def model(self) -> str:  # type: ignore[override]
        return self.model_for({})

    def settings_for(self, library_settings: dict[str, Any]) -> FaceSettings:
        """The face settings of a library: the instance's, with the library's overrides."""
        return face_settings_with(self.settings.faces, library_settings.get("faces", {}), LIBRARY_FACE_SETTINGS)

    def enabled_for(self, library_settings: dict[str, Any]) -> bool:
        switch = library_settings.get("analyses", {}).get(self.name)
        return self.settings_for(library_settings).enabled if switch is None else bool(switch)

    def model_for(self, library_settings: dict[str, Any]) -> str:
        from recognize.models.registry import DETECTORS

        detector = DETECTORS[self.settings_for(library_settings).detector]
        return f"{detector.name}+{self.embedder.name}"

    def detector_for(self, faces: FaceSettings) -> FaceDetector:
        """The detector these settings name, loaded once per worker."""
        from recognize.models.registry import face_detector

        if faces.detector not in self.detectors:
            self.detectors[faces.detector] = face_detector(faces.detector)
        return self.detectors[faces.detector]

    def compute(self, job: FileJob) -> list[FoundFace]:
        from recognize.faces.detection import find_faces
        from recognize.media.images import load_image

        faces = self.settings_for(job.library_settings)
        decoded = load_image(job.path, self.settings.max_image_pixels, self.settings.min_image_side, faces.working_size)
        return find_faces(decoded, self.detector_for(faces), self.embedder, faces)

    def encode(self, result: list[FoundFace]) -> list[dict[str, Any]]:
        return [
            {
                **asdict(face),
                "embedding": base64.b64encode(face.embedding).decode(),
                "thumbnail": base64.b64encode(face.thumbnail).decode(),
            }
            for face in result
        ]

    def decode(self, data: list[dict[str, Any]]) -> list[FoundFace]:
        return [
            FoundFace(
                box=tuple(item["box"]),  # type: ignore[arg-type]
                score=float(item["score"]),
                landmarks=item["landmarks"],
                embedding=base64.b64decode(item["embedding"]),
                embedding_model=str(item["embedding_model"]),
                age=None if item.get("age") is None else float(item["age"]),
                blur=float(item["blur"]),
                clusterable=bool(item["clusterable"]),
                thumbnail=base64.b64decode(item["thumbnail"]),
                frame_ms=item.get("frame_ms"),
            )
            for item in data
        ]

    def store(self, session: Session, media_file: MediaFile, result: list[FoundFace]) -> None:
        store_faces(session, media_file.id, result)
