"""Faces and persons: list, create, rename, hide, merge, split, move a face, merge suggestions."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from recognize.api.deps import Db, Me, Recognize
from recognize.api.schemas import MAX_ID, FaceMove, Id, Merge, Offset, Page, PersonChange, Split, face_json
from recognize.faces import persons as ops
from recognize.faces.listings import person_faces

router = APIRouter()


@router.get("/api/faces/{face_id}")
def face(db: Db, user: Me, face_id: Id) -> dict[str, Any]:
    return face_json(ops.get_face(db, user.id, face_id))


@router.get("/api/faces/{face_id}/crop")
def crop(db: Db, user: Me, face_id: Id) -> Response:
    return Response(ops.get_face(db, user.id, face_id).thumbnail, media_type="image/jpeg")


@router.post("/api/faces/{face_id}/move")
def move(db: Db, user: Me, face_id: Id, body: FaceMove) -> dict[str, Any]:
    return face_json(ops.move_face(db, user.id, face_id, body.person))


@router.get("/api/faces")
def unassigned(db: Db, user: Me, limit: Page = 100, offset: Offset = 0) -> dict[str, Any]:
    faces = ops.unassigned_faces(db, user.id, limit=limit, offset=offset)
    return {"total": ops.count_unassigned(db, user.id), "items": [face_json(face) for face in faces]}


@router.get("/api/persons")
def persons(db: Db, user: Me, hidden: bool = False, limit: Page = 100, offset: Offset = 0) -> dict[str, Any]:
    found = ops.list_persons(db, user.id, include_hidden=hidden, limit=limit, offset=offset)
    items = [
        {**vars(person), "cover": f"/api/faces/{person.cover_face}/crop" if person.cover_face else None}
        for person in found
    ]
    return {"total": ops.count_persons(db, user.id, include_hidden=hidden), "items": items}


@router.get("/api/persons/{person_id}")
def person(
    db: Db,
    user: Me,
    person_id: Id,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    """One person with its faces, oldest first: all of them, or ``limit`` of them after the face id ``after``
    (the next page starts after the last face id of this one; ``face_count`` says how many there are)."""
    summary = ops.person_summary(db, user.id, person_id)
    if summary is None:
        raise HTTPException(404, f"no person {person_id}")
    faces = person_faces(db, person_id, after, limit)
    return {**vars(summary), "face_count": summary.faces, "faces": [face_json(face) for face in faces]}


@router.get("/api/persons/{person_id}/cover")
def cover(db: Db, user: Me, person_id: Id) -> Response:
    """The person's cover face (the sharpest large one), as its crop: what menus show beside a name."""
    summary = ops.person_summary(db, user.id, person_id)
    if summary is None or summary.cover_face is None:
        raise HTTPException(404, f"no face to show for person {person_id}")
    crop = ops.get_face(db, user.id, summary.cover_face)
    return Response(crop.thumbnail, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=60"})


@router.patch("/api/persons/{person_id}")
def change_person(db: Db, user: Me, person_id: Id, body: PersonChange) -> dict[str, Any]:
    ops.get_person(db, user.id, person_id)
    if "name" in body.model_fields_set:
        ops.rename(db, user.id, person_id, body.name)
    if body.hidden is not None:
        ops.hide(db, user.id, person_id, body.hidden)
    changed = ops.get_person(db, user.id, person_id)
    return {"id": changed.id, "name": changed.name, "hidden": changed.hidden}


@router.post("/api/persons/{person_id}/merge")
def merge(db: Db, user: Me, person_id: Id, body: Merge) -> dict[str, Any]:
    merged = ops.merge(db, user.id, person_id, body.sources)
    return {"id": merged.id, "name": merged.name}


@router.post("/api/persons/{person_id}/split", status_code=201)
def split(db: Db, user: Me, person_id: Id, body: Split) -> dict[str, Any]:
    new = ops.split(db, user.id, person_id, body.faces, body.name)
    return {"id": new.id, "name": new.name}


@router.post("/api/persons", status_code=201)
def create(db: Db, user: Me, body: Split) -> dict[str, Any]:
    """A new person made of these faces (e.g. unassigned ones), named when ``name`` is given."""
    new = ops.create_person(db, user.id, body.name, body.faces)
    return {"id": new.id, "name": new.name}


@router.get("/api/persons/{person_id}/suggestions")
def suggestions(db: Db, user: Me, app: Recognize, person_id: Id) -> list[dict[str, Any]]:
    ops.get_person(db, user.id, person_id)
    pairs = app.merge_suggestions(db, user, person_id=person_id, limit=100)
    return [{"person": b if a == person_id else a, "distance": round(d, 4)} for a, b, d in pairs]
