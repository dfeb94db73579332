"""Persons: the operations users correct the automatic grouping (``faces.grouping``) with.

Rules: two faces of one photo are never in one person; a named person is never merged
automatically (no person is: merges are only suggested); a face the user moved out of a person is
never put back into it; a face the user unassigned is left alone; existing persons keep their ids.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.errors import PersonError, Refusal
from recognize.faces.history import Recording, recorded
from recognize.faces.known import user_faces
from recognize.faces.nearness import PersonSpace
from recognize.storage.control import mark_sidecars_due
from recognize.storage.models import Confirmation, Face, FaceRejection, Library, MediaFile, Person


@dataclass(frozen=True)
class PersonSummary:
    """A person as lists show it."""

    id: int
    name: str | None
    hidden: bool
    faces: int
    cover_face: int | None


def get_person(session: Session, user_id: int, person_id: int) -> Person:
    """A person of this user; PersonError("no person ...") otherwise."""
    person = session.get(Person, person_id)
    if person is None or person.user_id != user_id:
        raise PersonError(f"no person {person_id}", Refusal.NOT_FOUND)
    return person


def get_face(session: Session, user_id: int, face_id: int) -> Face:
    """A face of this user; PersonError("no face ...") otherwise."""
    owner = session.scalar(
        select(Library.user_id)
        .join(MediaFile, MediaFile.library_id == Library.id)
        .join(Face, Face.file_id == MediaFile.id)
        .where(Face.id == face_id)
    )
    if owner != user_id:
        raise PersonError(f"no face {face_id}", Refusal.NOT_FOUND)
    return session.get_one(Face, face_id)


def _users_persons(query: Select, include_hidden: bool, unnamed_only: bool) -> Select:
    """``query`` over the persons of the bound ``user_id``: visible ones unless ``include_hidden``, only
    unnamed ones if asked."""
    query = query.where(Person.user_id == bindparam("user_id"))
    if not include_hidden:
        query = query.where(Person.hidden.is_(False))
    if unnamed_only:
        query = query.where(Person.name.is_(None))
    return query


@lru_cache
def _persons_page(include_hidden: bool, unnamed_only: bool, one_person: bool, paged: bool) -> Select:
    """The list statement for one combination of filters, built once: its values are bound parameters
    (``user_id``, ``person_id``, ``offset``, ``limit``), so each call skips building and keying it."""
    columns = select(Person.id, Person.name, Person.hidden, Person.face_count.label("faces"))
    query = _users_persons(columns, include_hidden, unnamed_only).order_by(Person.face_count.desc(), Person.id)
    if one_person:
        query = query.where(Person.id == bindparam("person_id"))
    if paged:
        query = query.offset(bindparam("offset")).limit(bindparam("limit"))
    page = query.subquery()
    cover = (
        select(Face.id)
        .where(Face.person_id == page.c.id)
        .order_by(Face.cover_rank.desc(), Face.id)
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )
    return select(page, cover).order_by(page.c.faces.desc(), page.c.id)


def list_persons(
    session: Session,
    user_id: int,
    include_hidden: bool = False,
    limit: int | None = None,
    offset: int = 0,
    unnamed_only: bool = False,
    person_id: int | None = None,
) -> list[PersonSummary]:
    """Persons of a user (only ``person_id``, when given) with face counts and a cover face (the sharpest
    large face), most faces first."""
    statement = _persons_page(include_hidden, unnamed_only, person_id is not None, limit is not None)
    values = {"user_id": user_id, "person_id": person_id, "offset": offset, "limit": limit}
    return [PersonSummary(*row) for row in session.execute(statement, values)]


@dataclass(frozen=True)
class PersonChoice:
    """A person as a menu offers it: id and name (no cover face to look up)."""

    id: int
    name: str | None
    hidden: bool


def person_choices(session: Session, user_id: int, include_hidden: bool = False) -> list[PersonChoice]:
    """A user's persons for menus and labels, most faces first: one indexed read, without the cover faces
    ``list_persons`` looks up for each person (what grows with an archive of thousands of persons)."""
    query = _users_persons(select(Person.id, Person.name, Person.hidden), include_hidden, unnamed_only=False)
    rows = session.execute(query.order_by(Person.face_count.desc(), Person.id), {"user_id": user_id})
    return [PersonChoice(*row) for row in rows]


@lru_cache
def _persons_count(include_hidden: bool, unnamed_only: bool) -> Select:
    """The count statement for one combination of filters, built once (``user_id`` bound at each call)."""
    return _users_persons(select(func.count()).select_from(Person), include_hidden, unnamed_only)


def count_persons(session: Session, user_id: int, include_hidden: bool = False, unnamed_only: bool = False) -> int:
    """How many persons a user has (visible ones, unless ``include_hidden``; only unnamed ones if asked)."""
    return session.scalar(_persons_count(include_hidden, unnamed_only), {"user_id": user_id}) or 0


def clean_name(name: str | None) -> str | None:
    """A person's name without surrounding spaces (None when empty); refused when it cannot be a folder name
    (WebDAV shows a folder per person): control characters, '/', '.' or '..'."""
    clean = unicodedata.normalize("NFC", (name or "").strip()) or None
    if clean is not None and (
        "/" in clean or clean in (".", "..") or any(unicodedata.category(c).startswith("C") for c in clean)
    ):
        raise PersonError(
            f"{clean!r}: a name cannot contain '/' or control characters, nor be '.' or '..'", Refusal.INVALID
        )
    return clean


def drop_empty_persons(session: Session, user_id: int) -> int:
    """Delete the user's persons that have no face left (after a library was removed); returns how many."""
    empty = select(Person.id).where(
        Person.user_id == user_id, ~Person.id.in_(select(Face.person_id).where(Face.person_id.is_not(None)))
    )
    ids = list(session.scalars(empty))
    for person_id in ids:
        session.delete(session.get_one(Person, person_id))
    return len(ids)


def rename(session: Session, user_id: int, person_id: int, name: str | None) -> Person:
    """Name (or, with None, unname) a person. Names are kept in Unicode NFC; a blank name is refused, and so is
    a name another person has in any letter case (their WebDAV folders would collide on macOS and Windows)."""
    person = get_person(session, user_id, person_id)
    if name is not None and not name.strip():
        raise PersonError("a name cannot be blank: send no name (null) to remove it", Refusal.INVALID)
    with recorded(session, user_id, "rename", f"{_label(person)} named {name!r}", [person_id]):
        return _rename(session, user_id, person, name)


def _label(person: Person) -> str:
    return person.name or f"Person {person.id}"


def _rename(session: Session, user_id: int, person: Person, name: str | None) -> Person:
    person_id = person.id
    clean = clean_name(name)
    if clean is not None:
        named = session.execute(
            select(Person.id, Person.name).where(
                Person.user_id == user_id, Person.name.is_not(None), Person.id != person_id
            )
        )
        other = next((row.id for row in named if row.name.casefold() == clean.casefold()), None)
        if other is not None:
            raise PersonError(f"another person is already called {clean!r}: merge this one into it instead")
    person.name = clean
    mark_sidecars_due(session, user_id)
    return person


def merge(session: Session, user_id: int, target_id: int, source_ids: Sequence[int]) -> Person:
    """Move every face of the source persons into the target and delete the sources."""
    target = get_person(session, user_id, target_id)
    sources = [get_person(session, user_id, source_id) for source_id in source_ids if source_id != target_id]
    faces = session.scalars(select(Face.id).where(Face.person_id.in_([source.id for source in sources])))
    summary = f"{', '.join(_label(source) for source in sources)} merged into {_label(target)}"
    with recorded(session, user_id, "merge", summary, [target_id, *(s.id for s in sources)], list(faces)):
        return _merge(session, user_id, target, source_ids)


def _merge(session: Session, user_id: int, target: Person, source_ids: Sequence[int]) -> Person:
    target_id = target.id
    for source_id in source_ids:
        if source_id == target_id:
            continue
        source = get_person(session, user_id, source_id)
        session.execute(update(Face).where(Face.person_id == source_id).values(person_id=target_id, assigned_by="user"))
        for face_id in session.scalars(select(FaceRejection.face_id).where(FaceRejection.person_id == source_id)):
            session.merge(FaceRejection(face_id=face_id, person_id=target_id))
        if target.name is None:
            target.name = source.name
        session.delete(source)
    session.flush()
    mark_sidecars_due(session, user_id)
    return target


def _check_same_photo(session: Session, face: Face, person_id: int) -> None:
    clash = session.scalar(
        select(Face.id).where(Face.person_id == person_id, Face.file_id == face.file_id, Face.id != face.id)
    )
    if clash is not None:
        owner = session.get(Person, person_id)
        label = _label(owner) if owner is not None else "that person"
        raise PersonError(f"another face of this photo is already in {label}: move that one out first")


def move_face(session: Session, user_id: int, face_id: int, person_id: int | None) -> Face:
    """Put one face into a person, or (None) out of any person; the old person never gets it back automatically."""
    face = get_face(session, user_id, face_id)
    where = f"Person {person_id}" if person_id is not None else "no person"
    touched = [p for p in (face.person_id, person_id) if p is not None]
    with recorded(session, user_id, "move", f"face {face_id} moved to {where}", touched, [face_id]):
        return _move_face(session, user_id, face, person_id)


def _move_face(session: Session, user_id: int, face: Face, person_id: int | None) -> Face:
    if person_id is not None:
        get_person(session, user_id, person_id)
        if face.person_id != person_id:  # a face confirmed where it already is moves nothing, so clashes nothing
            _check_same_photo(session, face, person_id)
    if face.person_id is not None and face.person_id != person_id:
        session.merge(FaceRejection(face_id=face.id, person_id=face.person_id))
    face.person_id = person_id
    face.assigned_by = "user"
    mark_sidecars_due(session, user_id)
    return face


def split(session: Session, user_id: int, person_id: int, face_ids: Sequence[int], name: str | None = None) -> Person:
    """Move these faces of a person into a new person."""
    source = get_person(session, user_id, person_id)
    faces = [get_face(session, user_id, face_id) for face_id in face_ids]
    if not faces or any(face.person_id != person_id for face in faces):
        raise PersonError(f"split needs faces of person {person_id}")
    summary = f"{len(face_ids)} faces split out of {_label(source)}" + (f" as {name!r}" if name else "")
    with recorded(session, user_id, "split", summary, [person_id], face_ids) as recording:
        return _new_person(session, user_id, name, faces, recording)


def create_person(session: Session, user_id: int, name: str | None, face_ids: Sequence[int]) -> Person:
    """A new person (named, unless ``name`` is None) made of these faces, taken from wherever they were."""
    faces = [get_face(session, user_id, face_id) for face_id in face_ids]
    if not faces:
        raise PersonError("a new person needs at least one face", Refusal.INVALID)
    touched = {face.person_id for face in faces if face.person_id is not None}
    summary = f"new person {name!r} of {len(faces)} faces" if name else f"new person of {len(faces)} faces"
    with recorded(session, user_id, "create", summary, touched, face_ids) as recording:
        return _new_person(session, user_id, name, faces, recording)


def create_empty_person(session: Session, user_id: int, name: str) -> Person:
    """A new person with this name and no face yet, to move photos into (a WebDAV folder made by hand)."""
    with recorded(session, user_id, "create", f"new person {name!r}", []) as recording:
        return _new_person(session, user_id, name, [], recording)


def _new_person(session: Session, user_id: int, name: str | None, faces: list[Face], recording: Recording) -> Person:
    new = Person(user_id=user_id)
    session.add(new)
    session.flush()
    recording.created.add(new.id)
    if name:
        rename(session, user_id, new.id, name)
    for face in faces:
        move_face(session, user_id, face.id, new.id)
    return new


def hide(session: Session, user_id: int, person_id: int, hidden: bool = True) -> Person:
    """Hide a person from lists (its faces stay grouped, so they do not come back as a new person)."""
    person = get_person(session, user_id, person_id)
    with recorded(session, user_id, "hide", f"{_label(person)} {'hidden' if hidden else 'shown'}", [person_id]):
        person.hidden = hidden
    return person


def _faces_of(user_id: int) -> Select[tuple[Face]]:
    return (
        select(Face)
        .join(MediaFile, MediaFile.id == Face.file_id)
        .join(Library, Library.id == MediaFile.library_id)
        .where(Library.user_id == user_id)
    )


def _unassigned_of(user_id: int) -> Select[tuple[Face]]:
    return _faces_of(user_id).where(Face.person_id.is_(None))


def unassigned_photos(user_id: int) -> Select[tuple[int]]:
    """The ids of the user's files with a face in no person (a subquery)."""
    return _unassigned_of(user_id).with_only_columns(Face.file_id).distinct()


def person_summary(session: Session, user_id: int, person_id: int) -> PersonSummary | None:
    """One person of a user as lists show it (hidden or not); None when the user has no such person."""
    found = list_persons(session, user_id, include_hidden=True, person_id=person_id)
    return found[0] if found else None


def unassigned_faces(session: Session, user_id: int, limit: int | None = None, offset: int = 0) -> list[Face]:
    """Faces in no person, by their photos' dates, newest first (a page of them with ``limit`` and ``offset``)."""
    newest_first = (MediaFile.taken_at.desc().nulls_last(), Face.id.desc())
    # The page's ids are sorted on their own, not every face row with its thumbnail.
    page = _unassigned_of(user_id).with_only_columns(Face.id).order_by(*newest_first).offset(offset).limit(limit)
    query = select(Face).join(MediaFile, MediaFile.id == Face.file_id).where(Face.id.in_(page.scalar_subquery()))
    return list(session.scalars(query.order_by(*newest_first)))


def count_unassigned(session: Session, user_id: int) -> int:
    """How many of a user's faces are in no person."""
    return session.scalar(_unassigned_of(user_id).with_only_columns(func.count())) or 0


def user_face_rows(session: Session, user_id: int) -> list[Face]:
    """Every face of the user's libraries."""
    return list(session.scalars(_faces_of(user_id)))


def rejections(session: Session, user_id: int) -> dict[int, set[int]]:
    """Face id -> the persons the user took that face out of (never put back automatically); the user's only."""
    rejected: dict[int, set[int]] = defaultdict(set)
    query = (
        select(FaceRejection.face_id, FaceRejection.person_id)
        .join(Person, Person.id == FaceRejection.person_id)
        .where(Person.user_id == user_id)
    )
    for face_id, person_id in session.execute(query):
        rejected[face_id].add(person_id)
    return rejected


def suggest_merges(
    session: Session,
    user_id: int,
    settings: FaceSettings,
    limit: int | None = 10,
    person_id: int | None = None,
    space: PersonSpace | None = None,
    pairs: list[tuple[int, int, float]] | None = None,
) -> list[tuple[int, int, float]]:
    """Pairs of persons (a, b, root mean square distance between their faces) that may be one person, closest
    first (``merge_pairs``), but the pairs the user said are two people. With ``person_id``, only that
    person's pairs; ``space`` or ``pairs``: the persons or their pairs, when the caller has them; ``limit``
    None: every pair.
    """
    if pairs is None:
        space = space or PersonSpace(user_faces(session, user_id, settings), settings)
        pairs = merge_pairs(space, settings)
    refused = set(
        session.scalars(
            select(Confirmation.question).where(Confirmation.user_id == user_id, Confirmation.answer == "no")
        )
    )
    found = [
        (first, second, distance)
        for first, second, distance in pairs
        if person_id in (None, first, second) and not {f"merge-{first}-{second}", f"merge-{second}-{first}"} & refused
    ]
    return found[:limit]


def merge_pairs(space: PersonSpace, settings: FaceSettings) -> list[tuple[int, int, float]]:
    """Pairs of persons closer than ``suggest_distance`` (the model's unless set) from the persons' sums of
    vectors (``nearness``), closest first, but persons sharing a photo."""
    ids = space.ids.tolist()
    if len(ids) < 2:
        return []
    similarity = space.sums @ space.sums.T / np.outer(space.counts, space.counts)
    near = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * similarity)) < (settings.suggest_distance or 0.0)
    found = [
        (ids[a], ids[b], space.between(ids[a], ids[b]))
        for a, b in zip(*np.nonzero(np.triu(near, 1)), strict=True)
        if (ids[a], ids[b]) not in space.sharing_photos
    ]
    return sorted(found, key=lambda pair: pair[2])
