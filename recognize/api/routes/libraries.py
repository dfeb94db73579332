"""Libraries and processing: add, remove, rescan, per-library settings, pause and resume, status."""

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from recognize.analyses.registry import analysis_names
from recognize.api.deps import Db, Me, Recognize
from recognize.api.schemas import Id, NewLibrary
from recognize.faces.persons import drop_empty_persons
from recognize.jobs.progress import user_status
from recognize.library.libraries import add_library, configure_library, library_of, resume_library, user_libraries
from recognize.library.webdav_login import WebDavLogin, login_in_url
from recognize.storage.control import set_paused

router = APIRouter()


@router.get("/api/libraries")
def libraries(db: Db, user: Me) -> list[dict[str, Any]]:
    rows = user_libraries(db, user)
    return [
        {"id": lib.id, "root": lib.root, "scanned_at": lib.scanned_at, "settings": lib.settings, "problem": lib.problem}
        for lib in rows
    ]


@router.post("/api/libraries", status_code=201)
def new_library(db: Db, user: Me, app: Recognize, body: NewLibrary) -> dict[str, Any]:
    login = WebDavLogin(body.login or login_in_url(body.path), body.password or "", body.insecure)
    library = add_library(db, user, body.path, app.root_policy, trusted=user.is_admin, login=login)
    return {"id": library.id, "root": library.root}


@router.delete("/api/libraries/{library_id}", status_code=204)
def remove_library(db: Db, user: Me, library_id: Id) -> Response:
    db.delete(library_of(db, user, library_id))
    db.flush()
    drop_empty_persons(db, user.id)
    return Response(status_code=204)


@router.post("/api/libraries/{library_id}/rescan", status_code=202)
def rescan(db: Db, user: Me, app: Recognize, library_id: Id) -> dict[str, Any]:
    library = library_of(db, user, library_id)
    app.tasks().crawl(library.id)
    return {"queued": "crawl", "library": library.id}


@router.post("/api/libraries/{library_id}/resume")
def resume_paused_library(db: Db, user: Me, app: Recognize, library_id: Id) -> dict[str, Any]:
    library = library_of(db, user, library_id)
    resume_library(library, app.root_policy)
    app.tasks().crawl(library.id)
    return {"id": library.id, "root": library.root, "problem": None}


@router.patch("/api/libraries/{library_id}/settings")
def library_settings(
    db: Db, user: Me, app: Recognize, library_id: Id, body: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    library = library_of(db, user, library_id)
    changes = {section: {key: str(value) for key, value in values.items()} for section, values in body.items()}
    if set(changes) - {"faces", "analyses", "xmp", "nextcloud"}:
        raise HTTPException(400, "only faces.*, analyses.*, xmp.* and nextcloud.* settings can be set per library")
    if not user.is_admin:
        try:
            app.settings.face_limits.check(changes.get("faces", {}))
        except ValueError as error:
            raise HTTPException(403, str(error)) from None
    return configure_library(db, library, changes, app.settings.faces, analysis_names())


def _hold(db: Db, user: Me, paused: bool) -> Response:
    if not user.is_admin:
        raise HTTPException(403, "only an administrator can pause or resume processing")
    set_paused(db, paused)
    return Response(status_code=204)


@router.post("/api/pause", status_code=204)
def pause(db: Db, user: Me) -> Response:
    return _hold(db, user, True)


@router.post("/api/resume", status_code=204)
def resume(db: Db, user: Me) -> Response:
    return _hold(db, user, False)


@router.get("/api/status")
def status(db: Db, user: Me, app: Recognize) -> dict[str, Any]:
    return user_status(db, user, app.settings)
