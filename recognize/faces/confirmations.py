"""Questions that settle doubtful faces, best first: "Is this <person>?" and "Same person?".

Face questions: a face left out of every person that is just outside one (its person distance,
the distance of the person's k-th closest face as in a join vote, below ``ASK_FACTOR`` times the
cap); or a face the machine put in a person while another person is as close as the cap, or that
sits far from the
rest of its person (mean distance above ``OUTLIER_FACTOR`` times the cap). Merge questions: two
persons whose faces are close on average (``persons.suggest_merges``). ``gain`` is how many
faces a yes settles: for a face, itself and the waiting faces within the cap of it that lean to the
same person; for a merge, the faces of the smaller person. Precision first: questions whose no takes
a wrong face out of a person come first, most doubtful first; then by gain, then distance.

Every answer is kept (``confirmations`` table) and never undone by a later grouping: yes is a
must-link (the face is placed by the user; the persons are merged), no a cannot-link (the face is
never put in that person again; the pair is never suggested again), skip drops the question.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.clustering import distances_to
from recognize.faces.history import recorded
from recognize.faces.known import KnownFace, user_faces
from recognize.faces.persons import PersonError, get_face, get_person, merge, move_face, rejections, suggest_merges
from recognize.storage.models import Confirmation, Face, FaceRejection

ASK_FACTOR = 1.2
OUTLIER_FACTOR = 0.9
ANSWERS = ("yes", "no", "skip")
QUESTION_ID = re.compile(r"^(face|merge)-(\d{1,18})-(\d{1,18})$")


@dataclass(frozen=True)
class Question:
    """One question: about ``face`` and ``person`` (kind face) or ``person`` and ``other`` (kind merge)."""

    id: str
    kind: str
    person: int
    gain: int
    distance: float
    face: int | None = None
    other: int | None = None
    inside: bool = False


def answered(session: Session, user_id: int) -> dict[str, str]:
    """Question id -> the user's answer."""
    rows = session.execute(select(Confirmation.question, Confirmation.answer).where(Confirmation.user_id == user_id))
    return {question: reply for question, reply in rows}


class _Persons:
    """Members of every person, to measure a face's distance to each person as a join vote would."""

    def __init__(self, faces: list[KnownFace], settings: FaceSettings) -> None:
        members = sorted((f for f in faces if f.person_id is not None and f.vector is not None), key=_owner)
        self.settings = settings
        self.ids = np.array([f.id for f in members], dtype=np.int64)
        self.owners = np.array([f.person_id for f in members], dtype=np.int64)
        self.young = np.array([f.young for f in members], dtype=bool)
        self.vectors = np.stack([f.vector for f in members]) if members else np.zeros((0, 1), np.float32)
        self.persons, self.starts, self.sizes = np.unique(self.owners, return_index=True, return_counts=True)

    def spread(self, face: KnownFace) -> float:
        """Mean distance from ``face`` to the other faces of its person (0 when it is alone)."""
        mine = (self.owners == face.person_id) & (self.ids != face.id)
        if face.vector is None or not mine.any():
            return 0.0
        return float(distances_to(self.vectors[mine], face.vector).mean())

    def distances(self, face: KnownFace) -> dict[int, float]:
        """Person -> the distance of its k-th closest face to ``face`` (itself left out), child pairs scaled."""
        if face.vector is None or not len(self.ids):
            return {}
        found = distances_to(self.vectors, face.vector)
        child = self.settings.child_distance
        if child:
            found = np.where(
                self.young | face.young, found * ((self.settings.cluster_distance or child) / child), found
            )
        found[self.ids == face.id] = np.inf
        result: dict[int, float] = {}
        for person, start, size in zip(self.persons.tolist(), self.starts.tolist(), self.sizes.tolist(), strict=True):
            block = np.sort(found[start : start + size])
            votes = min(self.settings.join_min_votes, size - int(face.person_id == person))
            if votes >= 1:
                result[person] = float(block[votes - 1])
        return result


def _owner(face: KnownFace) -> int:
    return face.person_id or 0


def questions(session: Session, user_id: int, settings: FaceSettings, limit: int = 20) -> list[Question]:
    """The questions worth asking now, best first (``settings`` carry the model's thresholds)."""
    cap = settings.cluster_distance or 0.0
    faces = user_faces(session, user_id, settings)
    done = answered(session, user_id)
    rejected = rejections(session, user_id)
    photo_persons: dict[int, set[int]] = defaultdict(set)
    for face in faces:
        if face.person_id is not None:
            photo_persons[face.file_id].add(face.person_id)
    persons = _Persons(faces, settings)
    leaning: list[tuple[KnownFace, int, float]] = []
    found: list[Question] = []
    for face in faces:
        if face.vector is None or not face.clusterable or face.assigned_by == "user":
            continue
        distances = persons.distances(face)
        if face.person_id is None:
            allowed = {p: d for p, d in distances.items() if p not in rejected[face.id] | photo_persons[face.file_id]}
            if allowed:
                person = min(allowed, key=allowed.__getitem__)
                if allowed[person] < ASK_FACTOR * cap:
                    leaning.append((face, person, allowed[person]))
        elif face.person_id in distances:
            others = [d for p, d in distances.items() if p != face.person_id and p not in photo_persons[face.file_id]]
            spread = persons.spread(face)
            if (others and min(others) < cap) or spread > OUTLIER_FACTOR * cap:
                found.append(_face_question(face.id, face.person_id, 1, spread, inside=True))
    found += _face_questions(leaning, cap)
    sizes = defaultdict(int)
    for face in faces:
        if face.person_id is not None:
            sizes[face.person_id] += 1
    for first, second, distance in suggest_merges(session, user_id, settings, limit=max(limit, 50)):
        person, other = sorted((first, second), key=lambda p: (-sizes[p], p))
        found.append(
            Question(merge_id(person, other), "merge", person, min(sizes[first], sizes[second]), distance, other=other)
        )
    fresh = [question for question in found if question.id not in done]
    return sorted(fresh, key=_rank)[:limit]


def _rank(question: Question) -> tuple[bool, int, float, str]:
    """Precision first: faces already in a person that may not belong come first, most doubtful first;
    then the questions that settle the most faces, closest first."""
    if question.inside:
        return (False, 0, -question.distance, question.id)
    return (True, -question.gain, question.distance, question.id)


def _face_question(face_id: int, person: int, gain: int, distance: float, inside: bool = False) -> Question:
    return Question(f"face-{face_id}-{person}", "face", person, gain, round(distance, 4), face=face_id, inside=inside)


def _face_questions(leaning: list[tuple[KnownFace, int, float]], cap: float) -> list[Question]:
    if not leaning:
        return []
    vectors = np.stack([face.vector for face, _, _ in leaning])
    targets = np.array([person for _, person, _ in leaning])
    result = []
    for face, person, distance in leaning:
        near = distances_to(vectors, face.vector) < cap
        result.append(_face_question(face.id, person, int((near & (targets == person)).sum()), distance))
    return result


def merge_id(person: int, other: int) -> str:
    """The id of the question whether ``other`` is the same person as ``person``."""
    return f"merge-{person}-{other}"


def answer(session: Session, user_id: int, question_id: str, reply: str) -> None:
    """Apply and remember an answer; raises PersonError naming an unknown question, face or person."""
    if reply not in ANSWERS:
        raise ValueError(f"answer must be one of {', '.join(ANSWERS)}")
    parsed = QUESTION_ID.match(question_id)
    if parsed is None:
        raise PersonError(f"no question {question_id!r}", 404)
    kind, first, second = parsed.group(1), int(parsed.group(2)), int(parsed.group(3))
    if kind == "face":
        face = get_face(session, user_id, first)
        get_person(session, user_id, second)
        persons, faces = [second, *([face.person_id] if face.person_id else [])], [first]
        summary = f"{reply} to: is face {first} Person {second}?"
    else:
        get_person(session, user_id, first), get_person(session, user_id, second)
        persons, faces = [first, second], list(session.scalars(select(Face.id).where(Face.person_id == second)))
        summary = f"{reply} to: are Person {first} and Person {second} the same person?"
    with recorded(session, user_id, "answer", summary, persons, faces) as recording:
        recording.question = question_id
        _apply(session, user_id, kind, first, second, reply)
        session.merge(Confirmation(user_id=user_id, question=question_id, answer=reply))


def _apply(session: Session, user_id: int, kind: str, first: int, second: int, reply: str) -> None:
    if kind == "face":
        face, person = get_face(session, user_id, first), get_person(session, user_id, second)
        if reply == "yes":
            move_face(session, user_id, face.id, person.id)
        elif reply == "no":
            session.merge(FaceRejection(face_id=face.id, person_id=person.id))
            if face.person_id in (None, person.id):
                # It waits unassigned: grouping again in the same step must not put it into another person
                # (a wrong "no" would be hidden there); a later question may propose one.
                face.person_id, face.assigned_by = None, "held"
    else:
        person, other = get_person(session, user_id, first), get_person(session, user_id, second)
        if reply == "yes":
            merge(session, user_id, person.id, [other.id])
