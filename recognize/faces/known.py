"""A user's faces as grouping sees them: embedding of today's model (or none), person, photo, child or not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.thresholds import embedding_model
from recognize.storage.models import Face, Library, MediaFile

LEFT = "left"  # ``assigned_by`` of a face grouping looked at and left waiting (``faces/grouping.py``)


@dataclass(frozen=True)
class KnownFace:
    """One face of a user; ``vector`` is None when another model embedded it (it waits to be embedded again)."""

    id: int
    file_id: int
    person_id: int | None
    assigned_by: str | None
    vector: np.ndarray | None
    clusterable: bool
    young: bool


def user_faces(session: Session, user_id: int, settings: FaceSettings) -> list[KnownFace]:
    """Every face of the user's libraries, oldest first; ``young`` when the model's age is below ``child_age``."""
    model = embedding_model(settings)
    rows = session.execute(
        select(
            Face.id,
            Face.file_id,
            Face.person_id,
            Face.assigned_by,
            Face.embedding,
            Face.clusterable,
            Face.embedding_model,
            Face.age,
        )
        .join(MediaFile, MediaFile.id == Face.file_id)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id)
        .order_by(Face.id)
    )
    return [
        KnownFace(
            face_id,
            file_id,
            person_id,
            assigned_by,
            np.frombuffer(blob, dtype=np.float32) if face_model == model else None,
            clusterable,
            age is not None and age < settings.child_age,
        )
        for face_id, file_id, person_id, assigned_by, blob, clusterable, face_model, age in rows
    ]
