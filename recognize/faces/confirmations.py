"""Questions that settle doubtful faces, best first: "Is this <person>?" and "Same person?".

Face questions: a face left out of every person that is just outside one (its person distance,
the distance of the person's k-th closest face as in a join vote, below ``ASK_FACTOR`` times the
cap); or a face the machine put in a person while another person is as close as the cap, or that
sits far from the rest of its person (mean distance above ``OUTLIER_FACTOR`` times the cap), and only
when no other face of its person is closer than ``SOLID_FACTOR`` times the cap: a face with a close
fellow member is not in doubt, and the loneliest come first (``bench/faces_confirm.py``: of the first 100
questions on the family dev set, 29 asked about a face that was already right, 87 before). Merge questions: two
persons whose faces are close on average (``persons.suggest_merges``). ``gain`` is how many
faces a yes settles: for a face, itself and the waiting faces within the cap of it that lean to the
same person; for a merge, the faces of the smaller person. Precision first: questions whose no takes
a wrong face out of a person come first, most doubtful first, a group before the face questions it
settles at once; then by gain, then distance.

Every answer is kept (``confirmations`` table) and never undone by a later grouping: yes is a
must-link (the face is placed by the user; the persons are merged), no a cannot-link (the face is
never put in that person again; the pair is never suggested again), skip drops the question.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.errors import Refusal
from recognize.faces.group_questions import apply_group, groups
from recognize.faces.history import recorded
from recognize.faces.known import KnownFace, user_faces
from recognize.faces.nearness import PersonSpace, close_counts
from recognize.faces.persons import (
    PersonError,
    get_face,
    get_person,
    merge,
    merge_pairs,
    move_face,
    rejections,
    suggest_merges,
)
from recognize.faces.vectors import FaceVectors
from recognize.storage.models import Confirmation, Face, FaceRejection, Person

ASK_FACTOR = 1.2
OUTLIER_FACTOR = 0.9
SOLID_FACTOR = 0.8
ANSWERS = ("yes", "no", "skip")
KINDS = ("face", "merge", "group")
QUESTION_ID = re.compile(r"^(face|merge|group)-(\d{1,18})-(\d{1,19})$")  # a group: person, digest < 16**15


@dataclass(frozen=True)
class Changed:
    """What an answer changed, for the grouping after it: the faces whose person it changed (a face or group
    question), or the persons it merged (every member's votes change)."""

    persons: tuple[int, ...]
    faces: tuple[int, ...]


@dataclass(frozen=True)
class Question:
    """One question: about ``face`` and ``person`` (kind face), ``person`` and ``other`` (kind merge), or
    ``person`` and ``faces`` (kind group; ``members``: those of them in the person now)."""

    id: str
    kind: str
    person: int
    gain: int
    distance: float
    face: int | None = None
    other: int | None = None
    inside: bool = False
    faces: tuple[int, ...] = ()
    members: tuple[int, ...] = ()


def answered(session: Session, user_id: int) -> dict[str, str]:
    """Question id -> the user's answer."""
    rows = session.execute(select(Confirmation.question, Confirmation.answer).where(Confirmation.user_id == user_id))
    return {question: reply for question, reply in rows}


def questions(
    session: Session, user_id: int, settings: FaceSettings, limit: int = 20, kinds: Collection[str] = KINDS
) -> list[Question]:
    """The questions worth asking now, best first (``settings`` carry the model's thresholds), of ``kinds``."""
    return still_open(session, user_id, candidates(session, user_id, settings), limit, kinds)


def candidates(session: Session, user_id: int, settings: FaceSettings) -> list[Question]:
    """Every question worth asking about the faces as they are, best first, answered ones included."""
    return snapshot(session, user_id, settings)[1]


def snapshot(
    session: Session, user_id: int, settings: FaceSettings, vectors: FaceVectors | None = None
) -> tuple[list[tuple[int, int, float]], list[Question]]:
    """The pairs of persons to suggest merging (``persons.merge_pairs``), and every question worth asking about
    the faces as they are, best first, answered ones included: one matrix pass over faces and persons, so it grows with
    faces x persons. ``vectors``: the process's kept vectors (``faces/vectors.py``)."""
    cap = settings.cluster_distance or 0.0
    faces = [face for face in user_faces(session, user_id, settings, vectors) if face.vector is not None]
    rejected = rejections(session, user_id)
    photo_persons: dict[int, set[int]] = defaultdict(set)
    for face in faces:
        if face.person_id is not None:
            photo_persons[face.file_id].add(face.person_id)
    space = PersonSpace(faces, settings)
    asked = [face for face in faces if face.clusterable and face.assigned_by != "user"]
    excluded = [
        photo_persons[face.file_id] | ({face.person_id} if face.person_id is not None else rejected[face.id])
        for face in asked
    ]
    leaning: list[tuple[KnownFace, int, float]] = []
    doubtful: list[KnownFace] = []
    for face, distances in zip(asked, space.nearest(asked, excluded), strict=True):
        if face.person_id is None:
            if distances:
                person = min(distances, key=distances.__getitem__)
                if distances[person] < ASK_FACTOR * cap:
                    leaning.append((face, person, distances[person]))
        elif space.size(face.person_id) >= 2:
            spread = space.spread(face.vector, face.person_id)  # type: ignore[arg-type]
            if (distances and min(distances.values()) < cap) or spread > OUTLIER_FACTOR * cap:
                doubtful.append(face)
    found = [
        _face_question(face.id, face.person_id, 1, alone, inside=True)  # type: ignore[arg-type]
        for face, alone in zip(doubtful, space.closest_members(doubtful), strict=True)
        if alone > SOLID_FACTOR * cap
    ]
    found += _face_questions(leaning, cap)
    found += _group_questions(found, faces, photo_persons)
    pairs = merge_pairs(space, settings)
    for first, second, distance in suggest_merges(session, user_id, settings, limit=50, pairs=pairs):
        person, other = sorted((first, second), key=lambda p: (-space.size(p), p))
        gain = min(space.size(first), space.size(second))
        found.append(Question(merge_id(person, other), "merge", person, gain, distance, other=other))
    return pairs, sorted(found, key=_rank)


def still_open(
    session: Session, user_id: int, found: list[Question], limit: int, kinds: Collection[str] = KINDS
) -> list[Question]:
    """The first ``limit`` of ``found`` (of ``kinds``) that are not answered and still fit the faces and persons
    as they are now (``found`` may have been computed before the last changes)."""
    done = answered(session, user_id)
    fresh = [question for question in found if question.id not in done and question.kind in kinds]
    kept: list[Question] = []
    for start in range(0, len(fresh), 4 * limit):
        batch = fresh[start : start + 4 * limit]
        faces = {q.face for q in batch if q.face is not None} | {face for q in batch for face in q.faces}
        persons = {q.person for q in batch} | {q.other for q in batch if q.other is not None}
        placed = dict(session.execute(select(Face.id, Face.person_id).where(Face.id.in_(faces))).all())
        users = set(session.scalars(select(Face.id).where(Face.id.in_(faces), Face.assigned_by == "user")))
        alive = set(session.scalars(select(Person.id).where(Person.id.in_(persons), Person.user_id == user_id)))
        for question in batch:
            if question.face is not None:
                expected = question.person if question.inside else None
                if question.face not in placed or placed[question.face] != expected or question.face in users:
                    continue
            if question.faces and not _group_holds(question, placed, users):
                continue
            if question.person in alive and (question.other is None or question.other in alive):
                kept.append(question)
        if len(kept) >= limit:
            break
    return kept[:limit]


def _group_holds(question: Question, placed: dict[int, int | None], users: set[int]) -> bool:
    """Whether every face of a group question is still where it was when asked (not placed by the user)."""
    return all(
        face in placed and face not in users and placed[face] == (question.person if face in question.members else None)
        for face in question.faces
    )


def _group_questions(
    found: list[Question], faces: list[KnownFace], photo_persons: dict[int, set[int]]
) -> list[Question]:
    photos = {face.id: face.file_id for face in faces}
    members: dict[int, set[int]] = defaultdict(set)
    for photo, persons in photo_persons.items():
        for person in persons:
            members[person].add(photo)
    asked = [(q.face or 0, q.person, q.inside, q.distance, q.gain) for q in found if q.kind == "face"]
    return [
        Question(question_id, "group", person, len(chosen), doubt, inside=bool(inside), faces=chosen, members=inside)
        for question_id, person, chosen, inside, doubt in groups(asked, photos, members)
    ]


def _rank(question: Question) -> tuple[bool, int, float, bool, str]:
    """Precision first: faces already in a person that may not belong come first, most doubtful first;
    then the questions that settle the most faces, closest first. A group comes before the face questions
    it settles at once (its doubt is that of its most doubtful face)."""
    single = question.kind != "group"
    if question.inside:
        return (False, 0, -question.distance, single, question.id)
    return (True, -question.gain, question.distance, single, question.id)


def _face_question(face_id: int, person: int, gain: int, distance: float, inside: bool = False) -> Question:
    return Question(f"face-{face_id}-{person}", "face", person, gain, round(distance, 4), face=face_id, inside=inside)


def _face_questions(leaning: list[tuple[KnownFace, int, float]], cap: float) -> list[Question]:
    """Questions for waiting faces that lean to a person; the gain counts the waiting faces within the cap that
    lean to the same person (compared within each person's group only)."""
    result = []
    by_person: dict[int, list[tuple[KnownFace, float]]] = defaultdict(list)
    for face, person, distance in leaning:
        by_person[person].append((face, distance))
    for person, group in by_person.items():
        gains = close_counts(np.stack([face.vector for face, _ in group]), cap)
        for (face, distance), gain in zip(group, gains.tolist(), strict=True):
            result.append(_face_question(face.id, person, gain, distance))
    return result


def merge_id(person: int, other: int) -> str:
    """The id of the question whether ``other`` is the same person as ``person``."""
    return f"merge-{person}-{other}"


def answer(
    session: Session,
    user_id: int,
    question_id: str,
    reply: str,
    group: Question | None = None,
    excepted: Collection[int] = (),
) -> Changed:
    """Apply and remember an answer; returns what it changed, for grouping again. A group question's answer needs the
    ``group`` as it was asked, and may except some of its faces (``group_questions``). Raises PersonError
    naming an unknown question, face or person."""
    if reply not in ANSWERS:
        raise ValueError(f"answer must be one of {', '.join(ANSWERS)}")
    parsed = QUESTION_ID.match(question_id)
    if parsed is None:
        raise PersonError(f"no question {question_id!r}", Refusal.NOT_FOUND)
    kind, first, second = parsed.group(1), int(parsed.group(2)), int(parsed.group(3))
    if kind == "group":
        return _answer_group(session, user_id, question_id, reply, group, excepted)
    if excepted:
        raise PersonError("only a group question's answer can except faces", Refusal.MISMATCHED)
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
    return Changed(persons=(first, second), faces=()) if kind == "merge" else Changed(persons=(), faces=(first,))


def _answer_group(
    session: Session, user_id: int, question_id: str, reply: str, group: Question | None, excepted: Collection[int]
) -> Changed:
    if group is None or group.id != question_id:
        raise PersonError(f"question {question_id} is no longer asked: ask for the questions again", Refusal.CONFLICT)
    current = session.execute(select(Face.person_id).where(Face.id.in_(group.faces))).scalars()
    persons = sorted({group.person, *(person for person in current if person is not None)})
    summary = f"{reply} to: are these {len(group.faces)} faces Person {group.person}?"
    with recorded(session, user_id, "answer", summary, persons, list(group.faces)) as recording:
        recording.question = question_id
        apply_group(session, user_id, group.person, group.faces, reply, excepted)
        session.merge(Confirmation(user_id=user_id, question=question_id, answer=reply))
    return Changed(persons=(), faces=tuple(group.faces))


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
