"""Password checks under guard: back-off on failed logins, few argon2 hashes at once, a short cache.

Every password login (HTTP Basic on the API and WebDAV, the browser login form) goes through one
``LoginGuard`` per server. After ``FREE_FAILURES`` failures a user name at one client address, and
separately the address, waits twice as long after each further failure (capped at ``MAX_LOCK_SECONDS``);
while it waits, logins from there answer 429 with Retry-After, right password or not. The same user
logs in from another address meanwhile (fuzzing or a wrong password on one device locks nobody out).
Argon2 takes 64 MiB per check, so at most ``HASHING_AT_ONCE`` run together. A verified password is
remembered for ``CACHE_SECONDS`` under a keyed hash (WebDAV clients send Basic with every request); the
password itself is never kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from recognize.library.accounts import User, check_password

FREE_FAILURES = 5
MAX_LOCK_SECONDS = 900
HASHING_AT_ONCE = 2
HASHING_WAIT_SECONDS = 20
CACHE_SECONDS = 60
MAX_RECORDS = 100_000

Verifier = Callable[[Session, str, str], User | None]


class Throttled(Exception):
    """Logins from this user name or address must wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int, message: str = "too many failed logins") -> None:
        super().__init__(f"{message}: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class LoginGuard:
    """Back-off, bounded hashing and a short credential cache for one server process."""

    def __init__(self, verifier: Verifier = check_password, clock: Callable[[], float] = time.monotonic) -> None:
        self._verifier = verifier
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._verified: dict[bytes, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)
        self._key = secrets.token_bytes(32)

    def retry_after(self, name: str, address: str | None) -> int:
        """Seconds before this user name and address may try again (0: now)."""
        now = self._clock()
        with self._lock:
            waits = [self._failures[key].locked_until - now for key in _keys(name, address) if key in self._failures]
        return max(0, math.ceil(max(waits, default=0)))

    def verify(self, session: Session, name: str, password: str, address: str | None) -> User | None:
        """The user when the password is right, None when wrong; raises Throttled while backing off."""
        wait = self.retry_after(name, address)
        if wait:
            raise Throttled(wait)
        digest = hmac.new(self._key, f"{name}\0{password}".encode(), hashlib.sha256).digest()
        now = self._clock()
        with self._lock:
            cached = self._verified.get(digest)
        if cached is not None and cached[1] > now:
            return session.get(User, cached[0])
        if not self._hashing.acquire(timeout=HASHING_WAIT_SECONDS):
            raise Throttled(5, "the server is busy checking passwords")
        try:
            user = self._verifier(session, name, password)
        finally:
            self._hashing.release()
        with self._lock:
            if user is None:
                self._fail(_keys(name, address), self._clock())
            else:
                self._failures.pop(_keys(name, address)[0], None)
                self._verified[digest] = (user.id, self._clock() + CACHE_SECONDS)
                self._prune(self._clock())
        return user

    def _fail(self, keys: list[str], now: float) -> None:
        for key in keys:
            record = self._failures.setdefault(key, _Failures())
            if now - record.last > MAX_LOCK_SECONDS:
                record.count = 0
            record.count += 1
            record.last = now
            if record.count >= FREE_FAILURES:
                record.locked_until = now + min(MAX_LOCK_SECONDS, 2 ** (record.count - FREE_FAILURES))
        self._prune(now)

    def _prune(self, now: float) -> None:
        if len(self._verified) > MAX_RECORDS:
            self._verified = {key: value for key, value in self._verified.items() if value[1] > now}
        if len(self._failures) > MAX_RECORDS:
            self._failures = {
                key: record for key, record in self._failures.items() if now - record.last <= MAX_LOCK_SECONDS
            }


def _keys(name: str, address: str | None) -> list[str]:
    """What backs off: a user name at one address, and the address; never the user everywhere (failures from
    one address must not lock the owner out from another)."""
    if address is None:
        return [f"user:{name}"]
    return [f"user:{name}@{address}", f"address:{address}"]


def basic_user_name(authorization: str) -> str | None:
    """The user name of an HTTP Basic ``Authorization`` header; None when absent; ValueError when malformed."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError("malformed Basic credentials") from error
    name, colon, _password = decoded.partition(":")
    if not colon or "\x00" in decoded:
        raise ValueError("malformed Basic credentials")
    return name


def guard_basic_logins(guard: LoginGuard, inner: ASGIApp) -> ASGIApp:
    """``inner`` behind the guard: Basic logins of a backing-off user or address answer 429, malformed ones 401."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = Headers(scope=scope).get("authorization", "")
            try:
                name = basic_user_name(header)
            except ValueError as error:
                challenge = {"WWW-Authenticate": 'Basic realm="recognize"'}
                await PlainTextResponse(str(error), 401, headers=challenge)(scope, receive, send)
                return
            client = scope.get("client")
            wait = guard.retry_after(name, client[0] if client else None) if name is not None else 0
            if wait:
                message = f"too many failed logins: try again in {wait} s"
                await PlainTextResponse(message, 429, headers={"Retry-After": str(wait)})(scope, receive, send)
                return
        await inner(scope, receive, send)

    return guarded
