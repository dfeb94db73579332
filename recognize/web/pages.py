"""The UI's pages: people, person, photo, unassigned faces, questions, processing, search, login.

Pages read through the same library functions as the REST API; changes go through the REST API
from the browser (session cookie plus the ``X-Requested-With`` CSRF header).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from recognize.analyses.registry import all_analyses
from recognize.api.deps import Recognize
from recognize.app import App
from recognize.config import LIBRARY_FACE_SETTINGS, face_settings_with
from recognize.faces import persons as ops
from recognize.faces.history import merged_into
from recognize.faces.listings import face_photos, first_faces, person_faces
from recognize.jobs.progress import user_status
from recognize.library.accounts import User, end_browser_session, user_for_token
from recognize.library.files import file_detail, tagged_files
from recognize.library.timeline import month_groups, months_with_photos, neighbours, offset_of_month, timeline_page
from recognize.media.video_preview import plays_in_browsers
from recognize.search.query import search
from recognize.storage.control import is_paused
from recognize.storage.database import PRIVATE_FILE, create_private_folder
from recognize.tags.query import user_tags

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE = 60
FACE_PAGE = 200
UNSWITCHABLE = frozenset({"metadata", "faces"})
QUESTION_FACES = 8
TIMELINE_PAGE = 120


def session_secret(home: Path) -> str:
    """The key that signs session cookies, made once per instance and kept in the data folder."""
    path = home / "session.key"
    create_private_folder(home)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        path.chmod(PRIVATE_FILE)
    else:
        with os.fdopen(descriptor, "w") as key:
            key.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def display_names(persons: list[ops.PersonChoice]) -> dict[int, str]:
    """Person id -> the name shown (unnamed persons get "Person <id>")."""
    return {person.id: person.name or f"Person {person.id}" for person in persons}


router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")


def render(request: Request, name: str, user: User | None, **context: Any) -> Response:
    """A page from its template."""
    return templates.TemplateResponse(request, name, {"user": user, **context})


def page_user(request: Request, app: App) -> User:
    """The user of the browser session, or a redirect to the login page."""
    token = request.session.get("token")
    with app.database.session() as session:
        user = user_for_token(session, str(token)) if token else None
    if user is None:
        raise HTTPException(303, headers={"Location": "/login"})
    return user


@router.get("/login", response_class=HTMLResponse)
def login(request: Request) -> Response:
    return render(request, "login.html", None)


@router.post("/login")
def login_without_script() -> Response:
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def people(request: Request, app: Recognize, offset: int = 0, unnamed: bool = False, hidden: bool = False) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        found = ops.list_persons(
            session, user.id, include_hidden=hidden, limit=PAGE, offset=max(0, offset), unnamed_only=unnamed
        )
        total = ops.count_persons(session, user.id, include_hidden=hidden, unnamed_only=unnamed)
        hidden_count = ops.count_persons(session, user.id, include_hidden=True) - ops.count_persons(session, user.id)
        unassigned = ops.count_unassigned(session, user.id)
    return render(
        request,
        "people.html",
        user,
        persons=found,
        total=total,
        offset=offset,
        page=PAGE,
        unassigned=unassigned,
        unnamed=unnamed,
        hidden=hidden,
        hidden_count=hidden_count,
    )


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person(request: Request, app: Recognize, person_id: int, offset: int = 0) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        summary = ops.person_summary(session, user.id, person_id)
        if summary is None:
            target = merged_into(session, user.id, person_id)
            if target is not None:
                return RedirectResponse(f"/persons/{target}", status_code=303)
            raise HTTPException(404, f"no person {person_id}: it may have been removed")
        faces = person_faces(session, person_id, limit=FACE_PAGE, offset=max(0, offset))
        others = [p for p in ops.person_choices(session, user.id) if p.id != person_id]
        suggested = [
            (b if a == person_id else a, d) for a, b, d in app.merge_suggestions(session, user, person_id=person_id)
        ]
    names = display_names(others)
    return render(
        request,
        "person.html",
        user,
        person=summary,
        faces=faces,
        others=others,
        suggested=suggested,
        names=names,
        offset=offset,
        page=FACE_PAGE,
    )


@router.get("/unassigned", response_class=HTMLResponse)
def unassigned(request: Request, app: Recognize, offset: int = 0) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        faces = ops.unassigned_faces(session, user.id, limit=FACE_PAGE, offset=max(0, offset))
        total = ops.count_unassigned(session, user.id)
        others = ops.person_choices(session, user.id)
    return render(
        request,
        "unassigned.html",
        user,
        faces=faces,
        total=total,
        others=others,
        offset=offset,
        page=FACE_PAGE,
    )


@router.get("/photos", response_class=HTMLResponse)
def timeline(request: Request, app: Recognize, offset: int = 0, month: str | None = None) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        jump = months_with_photos(session, user.id)
        if month and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            offset = offset_of_month(session, user.id, int(month[:4]), int(month[5:]))
        total, items = timeline_page(session, user.id, TIMELINE_PAGE, max(0, offset))
    return render(
        request,
        "timeline.html",
        user,
        months=month_groups(items),
        total=total,
        offset=offset,
        page=TIMELINE_PAGE,
        jump=jump,
    )


@router.get("/photos/{file_id}", response_class=HTMLResponse)
def photo(request: Request, app: Recognize, file_id: int) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        detail = file_detail(session, user.id, file_id)
        if detail is None:
            raise HTTPException(404, f"no photo {file_id}")
        media_file = detail.file
        persons = ops.person_choices(session, user.id, include_hidden=True)
        newer, older = neighbours(session, user.id, media_file)
    names = display_names(persons)
    return render(
        request,
        "photo.html",
        user,
        newer=newer,
        older=older,
        file=media_file,
        path=str(Path(detail.library.root) / media_file.rel_path),
        faces=detail.faces,
        tags=detail.tags,
        text=detail.text,
        persons=persons,
        names=names,
        playable=plays_in_browsers(media_file.mime, media_file.codec),
    )


@router.get("/processing", response_class=HTMLResponse)
def processing(request: Request, app: Recognize) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        status = user_status(session, user, app.settings)
        paused = is_paused(session)
        mine = app.clustering_settings(user)
    libraries = {
        library["id"]: face_settings_with(
            app.settings.faces, library["settings"].get("faces", {}), LIBRARY_FACE_SETTINGS
        )
        for library in status["libraries"]
    }
    switches = {
        library["id"]: {
            analysis.name: analysis.enabled_for(library["settings"])
            for analysis in all_analyses(app.settings)
            if analysis.name not in UNSWITCHABLE
        }
        for library in status["libraries"]
    }
    return render(
        request,
        "processing.html",
        user,
        status=status,
        paused=paused,
        settings=app.settings,
        mine=mine,
        libraries=libraries,
        switches=switches,
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, app: Recognize, q: str = "") -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        found = search(session, user.id, q)
    return render(request, "search.html", user, q=q.strip(), persons=found.persons, files=found.files, tags=found.tags)


@router.get("/tags", response_class=HTMLResponse)
def tags(request: Request, app: Recognize, kind: str | None = None) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        found = user_tags(session, user.id, kind)
        kinds = sorted({tag["kind"] for tag in user_tags(session, user.id)})
    return render(request, "tags.html", user, tags=found, kind=kind, kinds=kinds)


@router.get("/tags/{name}", response_class=HTMLResponse)
def tag(request: Request, app: Recognize, name: str) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        files = [media_file for media_file, _library in tagged_files(session, user.id, name, limit=500)]
    return render(request, "search.html", user, q=name, persons=[], files=files, tags=[])


@router.get("/confirm", response_class=HTMLResponse)
def confirm(request: Request, app: Recognize) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        found = app.questions(session, user, limit=1)
        question = found[0] if found else None
        names = display_names(ops.person_choices(session, user.id, include_hidden=True))
        asked = [person for person in ([question.person, question.other] if question else []) if person is not None]
        shown = first_faces(session, asked, QUESTION_FACES)
        photos = face_photos(session, list(question.faces)) if question else {}
    return render(request, "confirm.html", user, question=question, names=names, shown=shown, photos=photos)


@router.get("/logout")
def logout(request: Request, app: Recognize) -> Response:
    if request.session.get("token"):
        with app.database.session() as session:
            end_browser_session(session, str(request.session["token"]))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


TITLES = {404: "Not found", 403: "Not allowed", 409: "Not done", 503: "Busy: try again shortly"}


async def html_errors(request: Request, error: Exception) -> Response:
    """Pages answer errors with a page (the API and WebDAV keep their JSON and XML answers)."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert isinstance(error, StarletteHTTPException)
    if request.url.path.startswith(("/api/", "/dav", "/static/")) or error.status_code < 400:
        return await http_exception_handler(request, error)
    token = request.session.get("token") if "session" in request.scope else None
    app: App = request.app.state.recognize_app
    with app.database.session() as session:
        user = user_for_token(session, str(token)) if token else None
    title = TITLES.get(error.status_code, "Something went wrong")
    page = render(request, "error.html", user, status=error.status_code, title=title, detail=error.detail)
    page.status_code = error.status_code
    return page
