"""The HTTP server: the REST routers, WebDAV at /dav and the web UI, behind one set of guards.

Authentication: ``Authorization: Bearer <token>`` (scripts) or HTTP Basic (user and password), or
the browser session. Errors carry their status: a person/library refusal is 409 or 404, a malformed
request 422, an unknown or foreign id 404 (another user's ids look exactly like missing ones).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from a2wsgi import WSGIMiddleware
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from recognize.api.dav_limits import hide_internal_errors
from recognize.api.deps import SessionGate
from recognize.api.failures import answer_database_failures
from recognize.api.limits import BodyLimit, SameOriginWrites, SecureCookiesOverHttps, SecurityHeaders
from recognize.api.routes import account, confirmations, files, history, libraries, persons
from recognize.api.throttle import LoginGuard, guard_basic_logins
from recognize.api.webdav import create_dav_app
from recognize.app import App
from recognize.errors import Refusal, Refused
from recognize.web.music import router as music_router
from recognize.web.pages import STATIC, html_errors, session_secret
from recognize.web.pages import router as ui_router

ROUTERS = (account.router, libraries.router, files.router, persons.router, confirmations.router, history.router)
_ERROR = {"content": {"application/json": {"schema": {"properties": {"detail": {"type": "string"}}}}}}
# Every REST route may answer these (the schema at /openapi.json says so; each error is {"detail": ...}).
DOCUMENTED_ERRORS: dict[int | str, dict] = {
    401: {"description": "no valid login", **_ERROR},
    403: {"description": "not allowed (a plain user's limit, a cross-site write)", **_ERROR},
    404: {"description": "unknown id, or another user's", **_ERROR},
    409: {"description": "a refused person or library operation, with the reason", **_ERROR},
    413: {"description": "request body over 1 MiB", **_ERROR},
    429: {"description": "too many failed logins: wait Retry-After seconds", **_ERROR},
    503: {"description": "the database or a grouping is busy; nothing was saved: retry", **_ERROR},
    507: {"description": "the disk holding the database is full; nothing was saved", **_ERROR},
}
SESSION_DAYS = 14


STATUS_OF = {
    Refusal.INVALID: 400,
    Refusal.FORBIDDEN: 403,
    Refusal.NOT_FOUND: 404,
    Refusal.CONFLICT: 409,
    Refusal.MISMATCHED: 422,
}  # every domain refusal's HTTP status, here only


async def _refused(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Refused)
    return JSONResponse({"detail": str(error)}, status_code=STATUS_OF[error.refusal])


def create_server(app: App) -> FastAPI:
    """The whole HTTP service over one App (schema at /openapi.json)."""

    @asynccontextmanager
    async def threads(_server: FastAPI) -> AsyncIterator[None]:
        # Requests run in anyio's worker threads (40 by default): past a few, they only contend for the GIL.
        to_thread.current_default_thread_limiter().total_tokens = app.settings.api_threads
        yield

    server = FastAPI(title="recognize", version="1", docs_url=None, redoc_url=None, lifespan=threads)
    secret = session_secret(app.settings.home)
    server.add_middleware(SessionMiddleware, secret_key=secret, same_site="strict", max_age=SESSION_DAYS * 86400)
    server.add_middleware(SecureCookiesOverHttps)
    server.add_middleware(SecurityHeaders)
    server.add_middleware(BodyLimit)
    server.add_middleware(SameOriginWrites)
    guard = LoginGuard()
    # WebDAV runs in a2wsgi's own threads: as many as the API's, so it cannot take more than its share.
    dav = WSGIMiddleware(hide_internal_errors(create_dav_app(app, guard)), workers=app.settings.api_threads)
    server.mount("/dav", guard_basic_logins(guard, dav))
    server.mount("/static", StaticFiles(directory=STATIC), name="static")
    server.include_router(ui_router)
    server.include_router(music_router)
    for router in ROUTERS:
        server.include_router(router, responses=DOCUMENTED_ERRORS)
    server.state.recognize_app = app
    # Less the connections the API's threads (pages open their own sessions there) and WebDAV's threads may hold.
    server.state.session_gate = SessionGate(app.database.connections - 2 * app.settings.api_threads)
    server.state.login_guard = guard
    server.add_exception_handler(StarletteHTTPException, html_errors)
    server.add_exception_handler(Refused, _refused)
    answer_database_failures(server)
    return server
