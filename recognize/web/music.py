"""The Music page: songs with their genres, moods, instruments, voices and eras, each playable in place."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from recognize.api.deps import Recognize
from recognize.tags.query import MUSIC_KINDS, songs, user_tags
from recognize.web.pages import page_user, render

router = APIRouter(include_in_schema=False)


@router.get("/music", response_class=HTMLResponse)
def music(request: Request, app: Recognize, tag: str | None = None) -> Response:
    user = page_user(request, app)
    with app.database.session() as session:
        facets = {kind: user_tags(session, user.id, kind) for kind in MUSIC_KINDS}
        found = songs(session, user.id, tag)
    facets = {kind: tags for kind, tags in facets.items() if tags}
    return render(request, "music.html", user, facets=facets, songs=found, tag=tag)
