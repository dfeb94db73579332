"""REST API (FastAPI; schema at /openapi.json). Every query is scoped to the authenticated user.

Authentication: ``Authorization: Bearer <token>`` (scripts) or HTTP Basic (user and password).
Errors carry their status: a person/library refusal is 409 or 404, a malformed request 422, an
unknown or foreign id 404 (another user's ids look exactly like missing ones).
"""

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from recognize.analyses.registry import analysis_names
from recognize.api.auth import end_browser_session, start_browser_session
from recognize.api.confirmations import router as confirmations_router
from recognize.api.dav_limits import hide_internal_errors
from recognize.api.deps import Db, Me, password_login
from recognize.api.failures import answer_database_failures
from recognize.api.limits import BodyLimit, SecurityHeaders
from recognize.api.previews import cached_thumbnail
from recognize.api.throttle import LoginGuard, guard_basic_logins
from recognize.api.webdav import create_dav_app
from recognize.app import App
from recognize.export import export_user
from recognize.faces import persons as ops
from recognize.jobs.cascade import register
from recognize.jobs.control import set_paused
from recognize.jobs.progress import user_status
from recognize.jobs.queue import build_queue
from recognize.library.libraries import LibraryError, add_library, configure_library, configure_user, library_of
from recognize.library.roots import is_private
from recognize.media.errors import MediaError
from recognize.search.query import search
from recognize.storage.models import Face, Library, MediaFile, Person, Tag, User
from recognize.tags.query import user_tags
from recognize.web.pages import STATIC, session_secret, ui_router

MAX_ID = 2**63 - 1
Page = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Id = Annotated[int, PathParam(ge=0, le=MAX_ID)]
IdValue = Annotated[int, Field(ge=0, le=MAX_ID, strict=True)]


class Body(BaseModel):
    """Request bodies: strict types (``true`` is not a person id), unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Login(Body):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class NewLibrary(Body):
    path: str = Field(min_length=1, max_length=4096)


class PersonChange(Body):
    name: str | None = Field(None, max_length=200)
    hidden: bool | None = None


class Merge(Body):
    sources: list[IdValue] = Field(min_length=1, max_length=1000)


class FaceMove(Body):
    person: IdValue | None


class Split(Body):
    faces: list[IdValue] = Field(min_length=1, max_length=10_000)
    name: str | None = Field(None, max_length=200)


def _face_json(face: Face) -> dict[str, Any]:
    return {
        "id": face.id,
        "file": face.file_id,
        "bbox": [face.x, face.y, face.width, face.height],
        "score": round(face.score, 4),
        "clusterable": face.clusterable,
        "person": face.person_id,
        "crop": f"/api/faces/{face.id}/crop",
    }


def _file_json(media_file: MediaFile, root: str) -> dict[str, Any]:
    return {
        "id": media_file.id,
        "library": media_file.library_id,
        "path": str(Path(root) / media_file.rel_path),
        "media": media_file.media,
        "width": media_file.width,
        "height": media_file.height,
        "taken_at": media_file.taken_at.isoformat() if media_file.taken_at else None,
        "camera": " ".join(filter(None, [media_file.camera_make, media_file.camera_model])) or None,
        "gps": [media_file.gps_lat, media_file.gps_lon] if media_file.gps_lat is not None else None,
        "duration": media_file.duration,
        "thumbnail": f"/api/files/{media_file.id}/thumbnail" if media_file.media in ("image", "video") else None,
        "original": f"/api/files/{media_file.id}/original",
    }


def create_api(app: App) -> FastAPI:
    """The REST API over one App."""
    api = FastAPI(title="recognize", version="1", docs_url=None, redoc_url=None)
    secret = session_secret(app.settings.home)
    api.add_middleware(SessionMiddleware, secret_key=secret, same_site="strict", max_age=14 * 86400)
    api.add_middleware(SecurityHeaders)
    api.add_middleware(BodyLimit)
    guard = LoginGuard()
    api.mount("/dav", guard_basic_logins(guard, WSGIMiddleware(hide_internal_errors(create_dav_app(app, guard)))))
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.include_router(ui_router(app))
    api.include_router(confirmations_router)
    api.state.recognize_app = app
    api.state.login_guard = guard
    answer_database_failures(api)

    def owned_file(db: Session, user: User, file_id: int) -> tuple[MediaFile, Library]:
        row = db.execute(
            select(MediaFile, Library).join(Library).where(MediaFile.id == file_id, Library.user_id == user.id)
        ).first()
        if row is None:
            raise HTTPException(404, f"no file {file_id}")
        return row[0], row[1]

    def owned_face(db: Session, user: User, face_id: int) -> Face:
        face = db.scalar(
            select(Face).join(MediaFile).join(Library).where(Face.id == face_id, Library.user_id == user.id)
        )
        if face is None:
            raise HTTPException(404, f"no face {face_id}")
        return face

    @api.exception_handler(ops.PersonError)
    async def person_refused(_request: Request, error: ops.PersonError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=error.status)

    @api.exception_handler(LibraryError)
    async def library_refused(_request: Request, error: LibraryError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=error.status)

    @api.post("/api/session")
    def login(db: Db, request: Request, body: Login) -> dict[str, Any]:
        user = password_login(db, request, body.name, body.password)
        if user is None:
            raise HTTPException(401, "wrong user name or password")
        request.session.clear()
        request.session["token"] = start_browser_session(db, user)
        return {"id": user.id, "name": user.name}

    @api.delete("/api/session", status_code=204)
    def logout(db: Db, request: Request) -> Response:
        if request.session.get("token"):
            end_browser_session(db, str(request.session["token"]))
        request.session.clear()
        return Response(status_code=204)

    @api.get("/api/me")
    def me(user: Me) -> dict[str, Any]:
        return {"id": user.id, "name": user.name, "admin": user.is_admin}

    @api.get("/api/libraries")
    def libraries(db: Db, user: Me) -> list[dict[str, Any]]:
        rows = db.scalars(select(Library).where(Library.user_id == user.id).order_by(Library.id))
        return [
            {"id": lib.id, "root": lib.root, "scanned_at": lib.scanned_at, "settings": lib.settings} for lib in rows
        ]

    @api.post("/api/libraries", status_code=201)
    def new_library(db: Db, user: Me, body: NewLibrary) -> dict[str, Any]:
        library = add_library(db, user, body.path, app.root_policy, trusted=user.is_admin)
        return {"id": library.id, "root": library.root}

    @api.delete("/api/libraries/{library_id}", status_code=204)
    def remove_library(db: Db, user: Me, library_id: Id) -> Response:
        db.delete(library_of(db, user, library_id))
        db.flush()
        ops.drop_empty_persons(db, user.id)
        return Response(status_code=204)

    @api.post("/api/libraries/{library_id}/rescan", status_code=202)
    def rescan(db: Db, user: Me, library_id: Id) -> dict[str, Any]:
        library = library_of(db, user, library_id)
        register(build_queue(app.settings.resolved_queue_url), app.settings).crawl(library.id)
        return {"queued": "crawl", "library": library.id}

    @api.patch("/api/libraries/{library_id}/settings")
    def library_settings(db: Db, user: Me, library_id: Id, body: dict[str, dict[str, Any]]) -> dict[str, Any]:
        library = library_of(db, user, library_id)
        changes = {section: {key: str(value) for key, value in values.items()} for section, values in body.items()}
        if set(changes) - {"faces", "analyses"}:
            raise HTTPException(400, "only faces.* and analyses.* settings can be set per library")
        return configure_library(db, library, changes, app.settings.faces, analysis_names())

    @api.get("/api/files")
    def files(
        db: Db,
        user: Me,
        person: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
        tag: str | None = None,
        media: str | None = None,
        taken_after: datetime | None = None,
        taken_before: datetime | None = None,
        limit: Page = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        query = (
            select(MediaFile, Library.root)
            .join(Library)
            .where(Library.user_id == user.id, MediaFile.media.is_not(None))
        )
        if person is not None:
            query = query.where(MediaFile.id.in_(select(Face.file_id).where(Face.person_id == person)))
        if tag is not None:
            query = query.where(MediaFile.id.in_(select(Tag.file_id).where(Tag.name == tag)))
        if media is not None:
            query = query.where(MediaFile.media == media)
        if taken_after is not None:
            query = query.where(MediaFile.taken_at >= taken_after.replace(tzinfo=None))
        if taken_before is not None:
            query = query.where(MediaFile.taken_at < taken_before.replace(tzinfo=None))
        total = db.scalar(select(func.count()).select_from(query.subquery()))
        rows = db.execute(query.order_by(MediaFile.taken_at.desc(), MediaFile.id).limit(limit).offset(offset))
        return {"total": total, "items": [_file_json(media_file, root) for media_file, root in rows]}

    @api.get("/api/files/{file_id}")
    def file(db: Db, user: Me, file_id: Id) -> dict[str, Any]:
        media_file, library = owned_file(db, user, file_id)
        faces = db.scalars(select(Face).where(Face.file_id == file_id).order_by(Face.x))
        tags = db.scalars(select(Tag).where(Tag.file_id == file_id).order_by(Tag.kind, Tag.score.desc()))
        return {
            **_file_json(media_file, library.root),
            "faces": [_face_json(face) for face in faces],
            "tags": [{"name": t.name, "kind": t.kind, "score": round(t.score, 4), "model": t.model} for t in tags],
        }

    def inside_library(media_file: MediaFile, library: Library) -> Path:
        root = Path(library.root).resolve()
        path = (root / media_file.rel_path).resolve()
        if not path.is_relative_to(root) or not path.is_file() or is_private(path, app.settings.private_paths):
            raise HTTPException(404, f"file {media_file.id} is not in its library any more")
        return path

    @api.get("/api/files/{file_id}/original")
    def original(db: Db, user: Me, file_id: Id) -> FileResponse:
        media_file, library = owned_file(db, user, file_id)
        return FileResponse(
            inside_library(media_file, library), media_type=media_file.mime or "application/octet-stream"
        )

    @api.get("/api/files/{file_id}/thumbnail")
    def thumbnail(db: Db, user: Me, file_id: Id) -> Response:
        media_file, library = owned_file(db, user, file_id)
        if media_file.media not in ("image", "video"):
            raise HTTPException(404, f"file {file_id} has no thumbnail")
        path = inside_library(media_file, library)
        try:
            thumbnail = cached_thumbnail(
                media_file, path, app.settings.home / "thumbnails", app.settings.max_image_pixels
            )
        except MediaError as error:
            raise HTTPException(400, f"file {file_id}: {error}") from error
        return Response(thumbnail, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})

    @api.get("/api/tags")
    def tags(db: Db, user: Me, kind: str | None = None, limit: Page = 100, offset: Offset = 0) -> dict[str, Any]:
        found = user_tags(db, user.id, kind)
        return {"total": len(found), "items": found[offset : offset + limit]}

    @api.get("/api/search")
    def find(
        db: Db, user: Me, q: Annotated[str, Query(min_length=1)], limit: Page = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        found = search(db, user.id, q, limit, offset)
        return {
            "persons": [{"id": p.id, "name": p.name} for p in found.persons],
            "tags": found.tags,
            "total": found.total,
            "files": [
                {**_file_json(media_file, media_file.library.root), "score": found.scores[media_file.id]}
                for media_file in found.files
            ],
        }

    @api.get("/api/faces/{face_id}")
    def face(db: Db, user: Me, face_id: Id) -> dict[str, Any]:
        return _face_json(owned_face(db, user, face_id))

    @api.get("/api/faces/{face_id}/crop")
    def crop(db: Db, user: Me, face_id: Id) -> Response:
        return Response(owned_face(db, user, face_id).thumbnail, media_type="image/jpeg")

    @api.post("/api/faces/{face_id}/move")
    def move(db: Db, user: Me, face_id: Id, body: FaceMove) -> dict[str, Any]:
        return _face_json(ops.move_face(db, user.id, face_id, body.person))

    @api.get("/api/faces")
    def unassigned(db: Db, user: Me, limit: Page = 100, offset: Offset = 0) -> dict[str, Any]:
        faces = ops.unassigned_faces(db, user.id)
        return {"total": len(faces), "items": [_face_json(face) for face in faces[offset : offset + limit]]}

    @api.get("/api/persons")
    def persons(db: Db, user: Me, hidden: bool = False, limit: Page = 100, offset: Offset = 0) -> dict[str, Any]:
        found = ops.list_persons(db, user.id, include_hidden=hidden, limit=limit, offset=offset)
        items = [
            {**vars(person), "cover": f"/api/faces/{person.cover_face}/crop" if person.cover_face else None}
            for person in found
        ]
        return {"total": ops.count_persons(db, user.id, include_hidden=hidden), "items": items}

    @api.get("/api/persons/{person_id}")
    def person(db: Db, user: Me, person_id: Id) -> dict[str, Any]:
        summary = next((p for p in ops.list_persons(db, user.id, include_hidden=True) if p.id == person_id), None)
        if summary is None:
            raise HTTPException(404, f"no person {person_id}")
        faces = db.scalars(select(Face).where(Face.person_id == person_id).order_by(Face.id))
        return {**vars(summary), "faces": [_face_json(face) for face in faces]}

    @api.patch("/api/persons/{person_id}")
    def change_person(db: Db, user: Me, person_id: Id, body: PersonChange) -> dict[str, Any]:
        ops.get_person(db, user.id, person_id)
        if "name" in body.model_fields_set:
            ops.rename(db, user.id, person_id, body.name)
        if body.hidden is not None:
            ops.hide(db, user.id, person_id, body.hidden)
        person = db.get_one(Person, person_id)
        return {"id": person.id, "name": person.name, "hidden": person.hidden}

    @api.post("/api/persons/{person_id}/merge")
    def merge(db: Db, user: Me, person_id: Id, body: Merge) -> dict[str, Any]:
        merged = ops.merge(db, user.id, person_id, body.sources)
        return {"id": merged.id, "name": merged.name}

    @api.post("/api/persons/{person_id}/split", status_code=201)
    def split(db: Db, user: Me, person_id: Id, body: Split) -> dict[str, Any]:
        new = ops.split(db, user.id, person_id, body.faces, body.name)
        return {"id": new.id, "name": new.name}

    @api.get("/api/persons/{person_id}/suggestions")
    def suggestions(db: Db, user: Me, person_id: Id) -> list[dict[str, Any]]:
        ops.get_person(db, user.id, person_id)
        pairs = ops.suggest_merges(db, user.id, app.clustering_settings(user), limit=100, person_id=person_id)
        return [{"person": b if a == person_id else a, "distance": round(d, 4)} for a, b, d in pairs]

    def hold(db: Session, user: User, paused: bool) -> Response:
        if not user.is_admin:
            raise HTTPException(403, "only an administrator can pause or resume processing")
        set_paused(db, paused)
        return Response(status_code=204)

    @api.post("/api/pause", status_code=204)
    def pause(db: Db, user: Me) -> Response:
        return hold(db, user, True)

    @api.post("/api/resume", status_code=204)
    def resume(db: Db, user: Me) -> Response:
        return hold(db, user, False)

    @api.patch("/api/me/settings")
    def my_settings(db: Db, user: Me, body: dict[str, dict[str, Any]]) -> dict[str, Any]:
        changes = {section: {key: str(value) for key, value in values.items()} for section, values in body.items()}
        if set(changes) - {"faces"}:
            raise HTTPException(400, "only faces.* clustering settings can be set per user")
        return configure_user(db, user, changes, app.settings.faces)

    @api.get("/api/status")
    def status(db: Db, user: Me) -> dict[str, Any]:
        return user_status(db, user, app.settings)

    @api.get("/api/export")
    def export(db: Db, user: Me) -> dict[str, Any]:
        return export_user(db, user)

    return api
