"""Names other tools wrote (XMP face regions): each names the face it covers, as if the user had named it.

A region is matched to a detected face of the photo by overlap. A face of an unnamed automatic person
names that whole person (as naming it in the UI would; merged into the person of that name when there
is one and they share no photo). Otherwise the face goes to the user's person of that name (made when
missing), exactly like a move by the user, so clustering never takes it back and the old person never
gets it again. A region that covers no detected face becomes a face
of its own (no embedding, never clustered) in that person. A face already in a person of that name
is left as it is, so reading back recognize's own sidecars changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from recognize.faces.persons import PersonError, clean_name, merge, move_face, rename
from recognize.faces.store import match_faces
from recognize.storage.models import Face, Person

MIN_REGION_OVERLAP = 0.3
REGION_MODEL = "xmp-region"

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class NamedRegion:
    """A named face region in pixels of the upright original image, with a thumbnail of it."""

    name: str
    box: Box
    thumbnail: bytes


def person_named(session: Session, user_id: int, name: str) -> Person:
    """The user's person called ``name``, made when there is none."""
    person = session.scalar(select(Person).where(Person.user_id == user_id, Person.name == name))
    if person is None:
        person = Person(user_id=user_id, name=name)
        session.add(person)
        session.flush()
    return person


def _region_face(file_id: int, region: NamedRegion) -> Face:
    x, y, width, height = region.box
    return Face(
        file_id=file_id,
        x=x,
        y=y,
        width=width,
        height=height,
        score=0.0,
        landmarks=[],
        embedding=b"",
        embedding_model=REGION_MODEL,
        blur=0.0,
        clusterable=False,
        thumbnail=region.thumbnail,
    )


def _name_whole_person(session: Session, user_id: int, face: Face, name: str) -> bool:
    """When the face is in an unnamed automatic person, give that person the name, as naming it in the UI would
    (or, when another person already has the name and they share no photo, merge it into that one); True when
    done. A face of a named person, or of one that shares a photo with the namesake, moves alone instead."""
    owner = session.get(Person, face.person_id) if face.person_id is not None else None
    if owner is None or owner.name is not None:
        return False
    namesake = session.scalar(select(Person).where(Person.user_id == user_id, Person.name == name))
    if namesake is None:
        rename(session, user_id, owner.id, name)
    else:
        photos = select(Face.file_id).where(Face.person_id == namesake.id)
        if session.scalar(select(Face.id).where(Face.person_id == owner.id, Face.file_id.in_(photos)).limit(1)):
            return False
        merge(session, user_id, namesake.id, [owner.id])
    face.assigned_by = "user"  # the region vouches for this face: grouping never takes it out
    return True


def apply_named_regions(session: Session, user_id: int, file_id: int, regions: list[NamedRegion]) -> int:
    """Name the photo's faces after its regions; returns how many faces changed person.

    Faces made from the regions of an earlier reading are replaced; a region whose name cannot be a
    person's name, or whose person already has another face in this photo, is skipped."""
    session.execute(delete(Face).where(Face.file_id == file_id, Face.embedding_model == REGION_MODEL))
    faces = list(session.scalars(select(Face).where(Face.file_id == file_id, Face.frame_ms.is_(None))))
    matched = match_faces(faces, [region.box for region in regions], MIN_REGION_OVERLAP)
    changed = 0
    for index, region in enumerate(regions):
        try:
            name = clean_name(region.name)
        except PersonError:
            continue
        if name is None:
            continue
        face = matched.get(index)
        if face is not None and _name_whole_person(session, user_id, face, name):
            changed += 1
            continue
        person = person_named(session, user_id, name)
        if face is None:
            face = _region_face(file_id, region)
            session.add(face)
            session.flush()
        if face.person_id == person.id:
            continue
        try:
            move_face(session, user_id, face.id, person.id)
        except PersonError:
            if face.embedding_model == REGION_MODEL:
                session.delete(face)
            continue
        changed += 1
    session.flush()
    return changed
