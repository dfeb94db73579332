"""The logged-in user: browser session, who am I, my clustering settings, my export."""

from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from recognize.api.deps import Db, Me, Recognize, password_login, streamed
from recognize.api.schemas import Login
from recognize.export import export_text
from recognize.library.accounts import end_browser_session, start_browser_session
from recognize.library.libraries import configure_user

router = APIRouter()


@router.post("/api/session")
def login(db: Db, request: Request, body: Login) -> dict[str, Any]:
    user = password_login(db, request, body.name, body.password)
    if user is None:
        raise HTTPException(401, "wrong user name or password")
    request.session.clear()
    request.session["token"] = start_browser_session(db, user)
    return {"id": user.id, "name": user.name}


@router.delete("/api/session", status_code=204)
def logout(db: Db, request: Request) -> Response:
    if request.session.get("token"):
        end_browser_session(db, str(request.session["token"]))
    request.session.clear()
    return Response(status_code=204)


@router.get("/api/me")
def me(user: Me) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "admin": user.is_admin}


@router.patch("/api/me/settings")
def my_settings(db: Db, user: Me, app: Recognize, body: dict[str, dict[str, Any]]) -> dict[str, Any]:
    changes = {section: {key: str(value) for key, value in values.items()} for section, values in body.items()}
    if set(changes) - {"faces"}:
        raise HTTPException(400, "only faces.* clustering settings can be set per user")
    return configure_user(db, user, changes, app.settings.faces)


@router.get("/api/export", response_class=StreamingResponse)
def export(request: Request, user: Me) -> StreamingResponse:
    """The export document, streamed a batch of files at a time."""
    user_id = user.id
    return StreamingResponse(streamed(request, partial(export_text, user_id=user_id)), media_type="application/json")
