"""Automatic grouping of a user's faces into persons, precision first (rules in ``faces/README.md``).

New faces first join the one person enough of whose faces agree; the rest are clustered into new
persons; then the faces still waiting may join those new persons, so one update settles what it can
and a second one with nothing new changes nothing.

An update grows with the new faces, not with the library: a face it leaves waiting is marked ``left``
and looked at again only when a new face comes within the cluster distance of it (the only way its votes
or its cluster can change), when a person it may belong to changed (``changed``: an answer, a merge), or
in a full regroup (``everything``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from sqlalchemy import update
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.clustering import PersonIndex, cluster, distances_to
from recognize.faces.known import LEFT, KnownFace, matrix_rows, user_faces, vectors_of
from recognize.faces.nearness import BLOCK, SAMPLE
from recognize.faces.persons import rejections
from recognize.faces.vectors import FaceVectors
from recognize.storage.models import Face, Person

# Faces grouping leaves alone: ones the user placed or took out ("user"), and ones waiting after a "no" ("held",
# which later questions may still propose for another person).
KEPT_OUT = ("user", "held")
JOIN_BLOCK = 256  # waiting faces measured against every person's faces in one pass


@dataclass(frozen=True)
class ClusterReport:
    """What one update of persons did."""

    joined: int
    new_persons: int
    faces_in_new_persons: int
    unassigned: int


def update_persons(
    session: Session,
    user_id: int,
    settings: FaceSettings,
    changed: Collection[int] = (),
    changed_faces: Collection[int] = (),
    everything: bool = False,
    vectors: FaceVectors | None = None,
) -> ClusterReport:
    """Join new faces to persons they clearly belong to, group the rest into new persons, then let the faces
    still waiting join those new persons.

    ``settings`` carry the thresholds of their embedding model (``thresholds.with_model_thresholds``);
    faces embedded by another model take no part until they are embedded again. Faces left waiting before
    take part when near a new face, a face whose person an answer changed (``changed_faces``) or (a sample
    of) the members of a ``changed`` person (a merge), or all of them with ``everything``. ``vectors``: the
    process's kept vectors (``faces/vectors.py``).
    """
    faces = user_faces(session, user_id, settings, vectors)
    rejected = rejections(session, user_id)
    photo_persons: dict[int, set[int]] = defaultdict(set)
    members = [face for face in faces if face.person_id is not None and face.vector is not None]
    for face in faces:
        if face.person_id is not None:
            photo_persons[face.file_id].add(face.person_id)
    owners, young = [face.person_id for face in members], [face.young for face in members]
    kept = matrix_rows(members)  # measured inside the matrix they were read into, not copied out of it
    if kept is None:
        index = PersonIndex(vectors_of(members), owners, young)
    else:
        index = PersonIndex(kept[0], owners, young, rows=kept[1])
    waiting = [
        face
        for face in faces
        if face.person_id is None and face.clusterable and face.assigned_by not in KEPT_OUT and face.vector is not None
    ]
    moved = set(changed_faces)
    anchors = [face.vector for face in faces if face.id in moved and face.vector is not None]
    considered = waiting if everything else _considered(waiting, members, set(changed), anchors, settings)
    joined, still_waiting = _join(session, considered, index, photo_persons, rejected, settings)
    created = _new_persons(session, user_id, still_waiting, settings) if still_waiting else {}
    for face in still_waiting:
        if face.id in created:
            index.add(face.vector, created[face.id], face.young)
            photo_persons[face.file_id].add(created[face.id])
    late, still_waiting = _join(
        session, [f for f in still_waiting if f.id not in created], index, photo_persons, rejected, settings
    )
    _mark_left(session, [face.id for face in still_waiting if face.assigned_by != LEFT])
    unassigned = len(waiting) - joined - late - len(created)
    return ClusterReport(joined + late, len(set(created.values())), len(created), unassigned)


def _considered(
    waiting: list[KnownFace],
    members: list[KnownFace],
    changed: set[int],
    anchors: list[np.ndarray],
    settings: FaceSettings,
) -> list[KnownFace]:
    """The new waiting faces, and the faces left before that are within the cluster distance of a new face, of
    an ``anchors`` face (whose person changed: only near it can a vote change) or of (a sample of) the members
    of a changed person."""
    new = [face for face in waiting if face.assigned_by != LEFT]
    left = [face for face in waiting if face.assigned_by == LEFT]
    near = [face.vector for face in new] + anchors
    for person in changed:
        mine = [face.vector for face in members if face.person_id == person]
        near += mine[:: max(1, len(mine) // SAMPLE)]
    if not left or not near:
        return new
    cap = settings.cluster_distance or 0.0
    stacked = np.stack(near)
    vectors = vectors_of(left)
    close = np.zeros(len(left), dtype=bool)
    for start in range(0, len(stacked), BLOCK):
        close |= (distances_to(vectors, stacked[start : start + BLOCK].T) < cap).any(axis=1)
    return new + [face for face, near_one in zip(left, close.tolist(), strict=True) if near_one]


def _mark_left(session: Session, face_ids: list[int]) -> None:
    for start in range(0, len(face_ids), BLOCK):
        chosen = face_ids[start : start + BLOCK]
        session.execute(update(Face).where(Face.id.in_(chosen), Face.person_id.is_(None)).values(assigned_by=LEFT))


def _join(
    session: Session,
    waiting: list[KnownFace],
    index: PersonIndex,
    photo_persons: dict[int, set[int]],
    rejected: dict[int, set[int]],
    settings: FaceSettings,
) -> tuple[int, list[KnownFace]]:
    """Put each waiting face in the one person enough of whose faces agree; returns how many, and the rest."""
    joined, still_waiting = 0, []
    for start in range(0, len(waiting), JOIN_BLOCK):
        block = waiting[start : start + JOIN_BLOCK]
        votes = index.votes(
            vectors_of(block), [face.young for face in block], settings.join_distance, settings.child_distance
        )
        for column, face in enumerate(block):
            excluded = rejected[face.id] | photo_persons[face.file_id]
            target = index.best(
                face.vector,
                settings.join_distance,
                settings.join_min_votes,
                excluded,
                young=face.young,
                young_distance=settings.child_distance,
                votes=None if votes is None else votes[:, column],
            )
            if target is None:
                still_waiting.append(face)
                continue
            session.execute(update(Face).where(Face.id == face.id).values(person_id=target, assigned_by="auto"))
            index.add(face.vector, target, face.young)
            photo_persons[face.file_id].add(target)
            joined += 1
    return joined, still_waiting


def _new_persons(session: Session, user_id: int, waiting: list[KnownFace], settings: FaceSettings) -> dict[int, int]:
    """Group the faces no person took into new persons; returns face id -> new person id."""
    labels = cluster(
        vectors_of(waiting),
        [face.file_id for face in waiting],
        settings.cluster_distance,
        settings.min_faces_per_person,
        young=np.array([face.young for face in waiting]),
        young_threshold=settings.child_distance,
        linkage=settings.linkage,
    )
    created: dict[int, int] = {}
    for label in sorted(set(labels) - {-1}):
        person = Person(user_id=user_id)
        session.add(person)
        session.flush()
        chosen = [waiting[i].id for i in np.flatnonzero(labels == label)]
        session.execute(update(Face).where(Face.id.in_(chosen)).values(person_id=person.id, assigned_by="auto"))
        created.update(dict.fromkeys(chosen, person.id))
    return created
