"""A user's faces as grouping sees them: embedding of today's model (or none), person, photo, child or not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.thresholds import embedding_model
from recognize.faces.vectors import FaceVectors
from recognize.storage.models import Face, Library, MediaFile

LEFT = "left"  # ``assigned_by`` of a face grouping looked at and left waiting (``faces/grouping.py``)


class KnownFace(NamedTuple):
    """One face of a user; ``vector`` is None when another model embedded it (it waits to be embedded again).
    A named tuple: grouping makes one per face of the user (100,000 on an archive) for each update."""

    id: int
    file_id: int
    person_id: int | None
    assigned_by: str | None
    vector: np.ndarray | None
    clusterable: bool
    young: bool
    row: int = -1
    """Where ``vector`` is in ``matrix``, the vectors ``user_faces`` read (-1: not from there)."""
    matrix: np.ndarray | None = None


def user_faces(
    session: Session, user_id: int, settings: FaceSettings, vectors: FaceVectors | None = None
) -> list[KnownFace]:
    """Every face of the user's libraries, oldest first; ``young`` when the model's age is below ``child_age``.
    ``vectors``: the process's kept vectors (``faces/vectors.py``), else every vector is read now."""
    model = embedding_model(settings)
    rows = (
        session.connection()
        .execute(
            select(
                Face.id,
                Face.file_id,
                Face.person_id,
                Face.assigned_by,
                Face.clusterable,
                Face.embedding_model,
                Face.age,
                Face.embedded_at,
            )
            .join(MediaFile, MediaFile.id == Face.file_id)
            .join(Library, Library.id == MediaFile.library_id)
            .where(Library.user_id == user_id)
            .order_by(Face.id)
        )
        .all()
    )
    embedded = [(row[0], row[7]) for row in rows if row[5] == model]  # id, embedded_at; embedding_model
    matrix, places = (FaceVectors() if vectors is None else vectors).read(session, embedded)
    place = iter(places)
    faces = []
    for face_id, file_id, person_id, assigned_by, clusterable, face_model, age, _ in rows:
        row = next(place) if face_model == model else -1
        vector = matrix[row] if row >= 0 else None
        young = age is not None and age < settings.child_age
        faces.append(KnownFace(face_id, file_id, person_id, assigned_by, vector, clusterable, young, row, matrix))
    return faces


def matrix_rows(faces: Sequence[KnownFace]) -> tuple[np.ndarray, np.ndarray] | None:
    """The matrix ``user_faces`` read these faces' vectors into and their rows in it; None when they were not
    all read into one."""
    source = faces[0].matrix if faces else None
    if source is None or not all(face.matrix is source and face.row >= 0 for face in faces):
        return None
    return source, np.fromiter((face.row for face in faces), np.int64, len(faces))


def vectors_of(faces: Sequence[KnownFace]) -> np.ndarray:
    """The faces' vectors as one matrix (one gather when ``user_faces`` read them all into one; no faces: 0 x 0)."""
    if not faces:
        return np.zeros((0, 0), np.float32)
    found = matrix_rows(faces)
    if found is not None:
        return found[0][found[1]]
    return np.stack([face.vector for face in faces])  # type: ignore[arg-type]
