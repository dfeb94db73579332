"""Persons: automatic grouping of a user's faces, and the operations users correct it with.

Rules: two faces of one photo are never in one person; a named person is never merged
automatically (no person is: merges are only suggested); a face the user moved out of a person is
never put back into it; a face the user unassigned is left alone; existing persons keep their ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.clustering import PersonIndex, cluster, pairwise
from recognize.faces.thresholds import embedding_model
from recognize.storage.models import Face, FaceRejection, Library, MediaFile, Person

SUGGEST_FACTOR = 1.3


class PersonError(Exception):
    """A person operation was refused; the message says why."""


@dataclass(frozen=True)
class ClusterReport:
    """What one update of persons did."""

    joined: int
    new_persons: int
    faces_in_new_persons: int
    unassigned: int


@dataclass(frozen=True)
class PersonSummary:
    """A person as lists show it."""

    id: int
    name: str | None
    hidden: bool
    faces: int
    cover_face: int | None


def _user_faces(
    session: Session, user_id: int, model: str
) -> list[tuple[int, int, int | None, str | None, bytes | None, bool]]:
    """(id, file, person, assigned_by, embedding, clusterable) of a user's faces; the embedding is None
    when it comes from another model than ``model`` (the face waits to be embedded again)."""
    rows = session.execute(
        select(
            Face.id,
            Face.file_id,
            Face.person_id,
            Face.assigned_by,
            Face.embedding,
            Face.clusterable,
            Face.embedding_model,
        )
        .join(MediaFile, MediaFile.id == Face.file_id)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id)
        .order_by(Face.id)
    )
    return [(*row[:4], row[4] if row[6] == model else None, row[5]) for row in rows]


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


def update_persons(session: Session, user_id: int, settings: FaceSettings) -> ClusterReport:
    """Join new faces to persons they clearly belong to, then group the rest into new persons.

    ``settings`` carry the thresholds of their embedding model (``thresholds.with_model_thresholds``);
    faces embedded by another model take no part until they are embedded again.
    """
    rows = _user_faces(session, user_id, embedding_model(settings))
    rejected: dict[int, set[int]] = defaultdict(set)
    for face_id, person_id in session.execute(select(FaceRejection.face_id, FaceRejection.person_id)):
        rejected[face_id].add(person_id)
    person_photos: dict[int, set[int]] = defaultdict(set)
    member_vectors, owners, waiting = [], [], []
    for face_id, file_id, person_id, assigned_by, blob, clusterable in rows:
        if person_id is not None:
            person_photos[person_id].add(file_id)
            if blob is not None:
                member_vectors.append(_vector(blob))
                owners.append(person_id)
        elif clusterable and assigned_by != "user" and blob is not None:
            waiting.append((face_id, file_id, _vector(blob)))
    index = PersonIndex(np.stack(member_vectors) if member_vectors else np.zeros((0, 1), np.float32), owners)
    photo_persons: dict[int, set[int]] = defaultdict(set)
    for person_id, photos in person_photos.items():
        for file_id in photos:
            photo_persons[file_id].add(person_id)
    joined, still_waiting = 0, []
    for face_id, file_id, vector in waiting:
        excluded = rejected[face_id] | photo_persons[file_id]
        target = index.best(vector, settings.join_distance, settings.join_min_votes, excluded)
        if target is None:
            still_waiting.append((face_id, file_id, vector))
            continue
        session.execute(update(Face).where(Face.id == face_id).values(person_id=target, assigned_by="auto"))
        index.add(vector, target)
        photo_persons[file_id].add(target)
        joined += 1
    new_persons = grouped = 0
    if still_waiting:
        labels = cluster(
            np.stack([vector for _, _, vector in still_waiting]),
            [file_id for _, file_id, _ in still_waiting],
            settings.cluster_distance,
            settings.min_faces_per_person,
        )
        for label in sorted(set(labels) - {-1}):
            person = Person(user_id=user_id)
            session.add(person)
            session.flush()
            chosen = [still_waiting[i][0] for i in np.flatnonzero(labels == label)]
            session.execute(update(Face).where(Face.id.in_(chosen)).values(person_id=person.id, assigned_by="auto"))
            new_persons += 1
            grouped += len(chosen)
    return ClusterReport(joined, new_persons, grouped, len(still_waiting) - grouped)


def _person(session: Session, user_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.user_id != user_id:
        raise PersonError(f"no person {person_id}")
    return person


def _face(session: Session, user_id: int, face_id: int) -> Face:
    owner = session.scalar(
        select(Library.user_id)
        .join(MediaFile, MediaFile.library_id == Library.id)
        .join(Face, Face.file_id == MediaFile.id)
        .where(Face.id == face_id)
    )
    if owner != user_id:
        raise PersonError(f"no face {face_id}")
    return session.get_one(Face, face_id)


def list_persons(
    session: Session, user_id: int, include_hidden: bool = False, limit: int | None = None, offset: int = 0
) -> list[PersonSummary]:
    """Persons of a user with face counts and a cover face (the sharpest large face), most faces first."""
    counts = select(Face.person_id, func.count().label("faces")).group_by(Face.person_id).subquery()
    query = (
        select(Person, func.coalesce(counts.c.faces, 0))
        .outerjoin(counts, counts.c.person_id == Person.id)
        .where(Person.user_id == user_id)
        .order_by(func.coalesce(counts.c.faces, 0).desc(), Person.id)
        .offset(offset)
        .limit(limit)
    )
    if not include_hidden:
        query = query.where(Person.hidden.is_(False))
    page = session.execute(query).all()
    rank = (
        func.row_number()
        .over(partition_by=Face.person_id, order_by=((Face.width * (1 - Face.blur)).desc(), Face.id))
        .label("rank")
    )
    ranked = (
        select(Face.person_id, Face.id, rank).where(Face.person_id.in_([person.id for person, _ in page])).subquery()
    )
    covers = dict(session.execute(select(ranked.c.person_id, ranked.c.id).where(ranked.c.rank == 1)).all())
    return [
        PersonSummary(person.id, person.name, person.hidden, count, covers.get(person.id)) for person, count in page
    ]


def count_persons(session: Session, user_id: int, include_hidden: bool = False) -> int:
    """How many persons a user has (visible ones, unless ``include_hidden``)."""
    query = select(func.count()).select_from(Person).where(Person.user_id == user_id)
    if not include_hidden:
        query = query.where(Person.hidden.is_(False))
    return session.scalar(query) or 0


def rename(session: Session, user_id: int, person_id: int, name: str | None) -> Person:
    """Name (or, with None, unname) a person; a name already used by another person is refused."""
    person = _person(session, user_id, person_id)
    clean = (name or "").strip() or None
    if clean is not None:
        other = session.scalar(
            select(Person.id).where(Person.user_id == user_id, Person.name == clean, Person.id != person_id)
        )
        if other is not None:
            raise PersonError(f"person {other} is already called {clean!r}: merge {person_id} into {other} instead")
    person.name = clean
    return person


def merge(session: Session, user_id: int, target_id: int, source_ids: Sequence[int]) -> Person:
    """Move every face of the source persons into the target and delete the sources."""
    target = _person(session, user_id, target_id)
    for source_id in source_ids:
        if source_id == target_id:
            continue
        source = _person(session, user_id, source_id)
        session.execute(update(Face).where(Face.person_id == source_id).values(person_id=target_id, assigned_by="user"))
        for face_id in session.scalars(select(FaceRejection.face_id).where(FaceRejection.person_id == source_id)):
            session.merge(FaceRejection(face_id=face_id, person_id=target_id))
        if target.name is None:
            target.name = source.name
        session.delete(source)
    session.flush()
    return target


def _check_same_photo(session: Session, face: Face, person_id: int) -> None:
    clash = session.scalar(
        select(Face.id).where(Face.person_id == person_id, Face.file_id == face.file_id, Face.id != face.id)
    )
    if clash is not None:
        raise PersonError(f"face {clash} of the same photo is already in person {person_id}: move that one first")


def move_face(session: Session, user_id: int, face_id: int, person_id: int | None) -> Face:
    """Put one face into a person, or (None) out of any person; the old person never gets it back automatically."""
    face = _face(session, user_id, face_id)
    if person_id is not None:
        _person(session, user_id, person_id)
        _check_same_photo(session, face, person_id)
    if face.person_id is not None and face.person_id != person_id:
        session.merge(FaceRejection(face_id=face.id, person_id=face.person_id))
    face.person_id = person_id
    face.assigned_by = "user"
    return face


def split(session: Session, user_id: int, person_id: int, face_ids: Sequence[int], name: str | None = None) -> Person:
    """Move these faces of a person into a new person."""
    _person(session, user_id, person_id)
    faces = [_face(session, user_id, face_id) for face_id in face_ids]
    if not faces or any(face.person_id != person_id for face in faces):
        raise PersonError(f"split needs faces of person {person_id}")
    new = Person(user_id=user_id)
    session.add(new)
    session.flush()
    if name:
        rename(session, user_id, new.id, name)
    for face in faces:
        move_face(session, user_id, face.id, new.id)
    return new


def hide(session: Session, user_id: int, person_id: int, hidden: bool = True) -> Person:
    """Hide a person from lists (its faces stay grouped, so they do not come back as a new person)."""
    person = _person(session, user_id, person_id)
    person.hidden = hidden
    return person


def unassigned_faces(session: Session, user_id: int) -> list[Face]:
    """Faces in no person, newest first."""
    return list(
        session.scalars(
            select(Face)
            .join(MediaFile, MediaFile.id == Face.file_id)
            .join(Library, Library.id == MediaFile.library_id)
            .where(Library.user_id == user_id, Face.person_id.is_(None))
            .order_by(Face.id.desc())
        )
    )


def suggest_merges(
    session: Session, user_id: int, settings: FaceSettings, limit: int = 10
) -> list[tuple[int, int, float]]:
    """Pairs of persons (a, b, distance between their mean faces) worth asking the user about, closest first.

    Candidates are closer than ``SUGGEST_FACTOR`` times the model's ``cluster_distance``.
    """
    max_distance = (settings.cluster_distance or 0.0) * SUGGEST_FACTOR
    vectors: dict[int, list[np.ndarray]] = defaultdict(list)
    photos: dict[int, set[int]] = defaultdict(set)
    for _, file_id, person_id, _, blob, _ in _user_faces(session, user_id, embedding_model(settings)):
        if person_id is not None:
            photos[person_id].add(file_id)
            if blob is not None:
                vectors[person_id].append(_vector(blob))
    ids = sorted(vectors)
    if len(ids) < 2:
        return []
    centroids = np.stack([np.mean(vectors[i], axis=0) for i in ids])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    distances = pairwise(centroids)
    pairs = [
        (ids[a], ids[b], float(distances[a, b]))
        for a in range(len(ids))
        for b in range(a + 1, len(ids))
        if distances[a, b] < max_distance and not photos[ids[a]] & photos[ids[b]]
    ]
    return sorted(pairs, key=lambda pair: pair[2])[:limit]
