"""What every route depends on: the App, a database session committed before the answer, the logged-in user.

``create_server`` puts the App and the login guard on ``server.state``; routers in any module use ``Db``,
``Me`` and ``Recognize`` and stay free of closures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from recognize.api.throttle import LoginGuard, Throttled
from recognize.app import App
from recognize.library.accounts import User, user_for_token

bearer, basic = HTTPBearer(auto_error=False), HTTPBasic(auto_error=False)


async def recognize_app(request: Request) -> App:
    """The App this API serves."""
    return request.app.state.recognize_app


class SessionGate:
    """At most ``size`` requests hold a database session at once; the others wait on the event loop.

    A request holds its pooled connection across several waits for one of the ``api_threads``. Were
    every connection held by requests waiting for a thread while the threads wait for a connection, all
    would stall until the pool's timeout; a gate smaller than the pool leaves the running ones enough.
    One semaphore per event loop (a semaphore belongs to the loop it first waited on)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()

    def semaphore(self) -> asyncio.Semaphore:
        """This event loop's semaphore."""
        loop = asyncio.get_running_loop()
        if loop not in self._semaphores:
            self._semaphores[loop] = asyncio.Semaphore(self.size)
        return self._semaphores[loop]


async def database_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request, past the server's ``SessionGate``; it commits when the route returns,
    before the answer is sent.

    Opening a session touches no database, so it happens on the event loop; the commit (or rollback) and
    close take one worker thread (a sync generator would take two)."""
    database = request.app.state.recognize_app.database
    gate: SessionGate = request.app.state.session_gate
    async with gate.semaphore():
        opened = database.open_session()
        try:
            yield opened
        except BaseException:
            await run_in_threadpool(database.end_session, opened, False)
            raise
        await run_in_threadpool(database.end_session, opened, True)


async def streamed(request: Request, make: Callable[[Session], Iterator[str]]) -> AsyncIterator[str]:
    """The pieces of a long answer made by ``make`` from a session of its own, past the ``SessionGate``
    (the route's own session ends before the answer is sent); each piece is made in a worker thread."""
    database = request.app.state.recognize_app.database
    gate: SessionGate = request.app.state.session_gate
    async with gate.semaphore():
        opened = database.open_session()
        try:
            pieces = make(opened)
            while (piece := await run_in_threadpool(next, pieces, None)) is not None:
                yield piece
        finally:
            await run_in_threadpool(database.end_session, opened, False)


Recognize = Annotated[App, Depends(recognize_app)]
Db = Annotated[Session, Depends(database_session, scope="function")]


def password_login(db: Session, request: Request, name: str, password: str) -> User | None:
    """The user when the password is right; 429 with Retry-After while the guard backs off."""
    guard: LoginGuard = request.app.state.login_guard
    try:
        return guard.verify(db, name, password, request.client.host if request.client else None)
    except Throttled as throttled:
        raise HTTPException(429, str(throttled), headers={"Retry-After": str(throttled.retry_after)}) from None


def current_user(
    db: Db,
    request: Request,
    token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
) -> User:
    """The user of a token, Basic credentials or browser session (with the CSRF header on writes); else 401."""
    user = None
    if token is not None:
        user = user_for_token(db, token.credentials)
    elif credentials is not None:
        user = password_login(db, request, credentials.username, credentials.password)
    elif request.session.get("token") is not None:
        if request.method not in ("GET", "HEAD") and request.headers.get("x-requested-with") != "recognize":
            raise HTTPException(403, "a browser session must send X-Requested-With: recognize (CSRF guard)")
        user = user_for_token(db, str(request.session["token"]))
    if user is None:
        raise HTTPException(
            401,
            "log in with a token (Bearer) or your user name and password (Basic)",
            headers={"WWW-Authenticate": 'Basic realm="recognize"'},
        )
    return user


Me = Annotated[User, Depends(current_user)]
