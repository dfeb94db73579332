"""Names other tools wrote (XMP face regions): each names the face it covers, as if the user had named it.

A region is matched to a detected face of the photo by overlap; the face then goes to the user's
person of that name (made when missing), exactly like a move by the user, so clustering never takes
it back and the old person never gets it again. A region that covers no detected face becomes a face
of its own (no embedding, never clustered) in that person. A face already in a person of that name
is left as it is, so reading back recognize's own sidecars changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from recognize.faces.persons import PersonError, clean_name, move_face
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
        person = person_named(session, user_id, name)
        face = matched.get(index)
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
