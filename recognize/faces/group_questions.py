"""Group questions: a person's doubtful faces and its nearest waiting faces in one grid ("untick who is not
Alice"), settled by one answer.

A group gathers, for one person, the face questions about it (its members that may not belong, most doubtful
first, then the waiting faces that lean to it, closest first), at most ``GROUP_SIZE``, one face per photo and
none from a photo where the person already has another face; a person with fewer than ``MIN_GROUP`` such
faces gets no group. Its id names the person and a digest of its faces. "yes" with ``except``: every face
but the excepted is the person (must-links, as a yes to each face); the excepted are not (cannot-links, as
a no to each); "no": none is; "skip" drops it. The answer to each face's own question is kept too.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from recognize.faces.errors import Refusal
from recognize.faces.persons import PersonError, get_face, get_person, move_face
from recognize.storage.models import Confirmation, FaceRejection

GROUP_SIZE = 48
MIN_GROUP = 2


def group_id(person: int, faces: Sequence[int]) -> str:
    """The id of the group question about these faces and this person."""
    digest = int(hashlib.sha256(" ".join(map(str, sorted(faces))).encode()).hexdigest()[:15], 16)
    return f"group-{person}-{digest}"


def groups(
    face_questions: Sequence[tuple[int, int, bool, float, int]], photos: dict[int, int], members: dict[int, set[int]]
) -> list[tuple[str, int, tuple[int, ...], tuple[int, ...], float]]:
    """Groups from face questions given as (face, person, inside, distance, gain), best first per person:
    (id, person, faces, the faces among them that are in the person now, the largest doubt).

    ``photos``: face -> its photo; ``members``: person -> the photos it has a face in."""
    by_person: dict[int, list[tuple[int, int, bool, float, int]]] = defaultdict(list)
    for question in face_questions:
        by_person[question[1]].append(question)
    found = []
    for person, asked in by_person.items():
        inside = sorted((q for q in asked if q[2]), key=lambda q: -q[3])
        leaning = sorted((q for q in asked if not q[2]), key=lambda q: q[3])
        chosen: list[tuple[int, int, bool, float, int]] = []
        seen: set[int] = set()
        for question in inside + leaning:
            photo = photos[question[0]]
            taken = photo in seen or (not question[2] and photo in members.get(person, set()))
            if not taken and len(chosen) < GROUP_SIZE:
                chosen.append(question)
                seen.add(photo)
        if len(chosen) >= MIN_GROUP:
            faces = tuple(q[0] for q in chosen)
            doubt = max((q[3] for q in chosen if q[2]), default=0.0)
            found.append((group_id(person, faces), person, faces, tuple(q[0] for q in chosen if q[2]), doubt))
    return found


def apply_group(
    session: Session, user_id: int, person_id: int, faces: Sequence[int], reply: str, excepted: Collection[int]
) -> None:
    """Apply a group answer (see the module's docstring) and keep the answer to each face's own question."""
    if set(excepted) - set(faces):
        raise PersonError("only faces of the question can be excepted", Refusal.MISMATCHED)
    person = get_person(session, user_id, person_id)
    for face_id in faces:
        face = get_face(session, user_id, face_id)
        says = "yes" if reply == "yes" and face_id not in excepted else "no"
        if reply == "skip":
            continue
        if says == "yes":
            move_face(session, user_id, face.id, person.id)
        else:
            session.merge(FaceRejection(face_id=face.id, person_id=person.id))
            if face.person_id in (None, person.id):
                face.person_id, face.assigned_by = None, "held"
        session.merge(Confirmation(user_id=user_id, question=f"face-{face_id}-{person_id}", answer=says))
