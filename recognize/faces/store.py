"""Storing a file's faces: found again, a face keeps its id, its person and the user's corrections.

When a file is analysed again (another embedding model, other detection settings), each new face is
matched to a stored face of the same file (and video frame) by box overlap; a match is updated in
place, so persons, names, moves and rejections stay. A stored face nobody matched is dropped unless
the user placed it in a person (it then stays with its old embedding, which clustering ignores).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from time import time_ns

from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.faces.known import LEFT
from recognize.storage.control import mark_clustering_due
from recognize.storage.models import Face, Library, MediaFile

MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class FoundFace:
    """One face as the worker hands it back: original-pixel box, quality, embedding (with its model), age."""

    box: tuple[int, int, int, int]
    score: float
    landmarks: list[list[float]]
    embedding: bytes
    embedding_model: str
    age: float | None
    blur: float
    clusterable: bool
    thumbnail: bytes
    frame_ms: int | None = None


def overlap(first: tuple[int, int, int, int], second: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, width, height) boxes."""
    left, top = max(first[0], second[0]), max(first[1], second[1])
    right = min(first[0] + first[2], second[0] + second[2])
    bottom = min(first[1] + first[3], second[1] + second[3])
    inter = max(0, right - left) * max(0, bottom - top)
    union = first[2] * first[3] + second[2] * second[3] - inter
    return inter / union if union else 0.0


def match_faces(
    stored: Sequence[Face],
    boxes: Sequence[tuple[int, int, int, int]],
    minimum: float,
    frames: Sequence[int | None] | None = None,
) -> dict[int, Face]:
    """Index in ``boxes`` -> the stored face it overlaps, best overlaps first, each face used once, at
    least ``minimum``; a box only meets faces of its video frame (``frames``; none: the photo itself)."""
    pairs = sorted(
        (
            (overlap((face.x, face.y, face.width, face.height), box), index, face)
            for index, (box, frame) in enumerate(zip(boxes, frames or [None] * len(boxes), strict=True))
            for face in stored
            if face.frame_ms == frame
        ),
        key=lambda pair: -pair[0],
    )
    matched: dict[int, Face] = {}
    used: set[int] = set()
    for score, index, face in pairs:
        if score >= minimum and index not in matched and face.id not in used:
            matched[index] = face
            used.add(face.id)
    return matched


def store_faces(session: Session, file_id: int, faces: list[FoundFace]) -> None:
    """Make these the file's faces, keeping the identity and corrections of faces found again; with a
    face to cluster, the owner's clustering is then due."""
    stored = list(session.scalars(select(Face).where(Face.file_id == file_id)))
    matched = match_faces(stored, [face.box for face in faces], MIN_OVERLAP, [face.frame_ms for face in faces])
    kept = {face.id for face in matched.values()}
    for face in stored:
        if face.id not in kept and face.assigned_by != "user":
            session.delete(face)
    for index, found in enumerate(faces):
        face = matched.get(index) or Face(file_id=file_id)
        face.x, face.y, face.width, face.height = found.box
        face.score = found.score
        face.landmarks = found.landmarks
        face.embedding = found.embedding
        face.embedding_model = found.embedding_model
        face.embedded_at = time_ns()
        face.age = found.age
        face.blur = found.blur
        face.clusterable = found.clusterable
        face.thumbnail = found.thumbnail
        face.frame_ms = found.frame_ms
        if face.assigned_by == LEFT:
            face.assigned_by = None  # embedded again: grouping looks at it again
        session.add(face)
    if any(found.clusterable for found in faces):
        owner = session.scalar(select(Library.user_id).join(MediaFile).where(MediaFile.id == file_id))
        if owner is not None:
            mark_clustering_due(session, owner)
