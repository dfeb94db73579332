"""Answers the server keeps small and safe: bounded request bodies, and browser security headers.

``BodyLimit`` refuses a request body over ``MAX_BODY_BYTES`` with 413, whether it announces its
length or streams it in chunks. Every answer carries a Content-Security-Policy (scripts and styles
only from this server, no framing), X-Frame-Options, X-Content-Type-Options and Referrer-Policy.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1 << 20
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class BodyTooLarge(HTTPException):
    """A streamed body went past the limit (an HTTPException, so the app's handlers answer 413 too)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class BodyLimit:
    """ASGI middleware: 413 for bodies over ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body over {self.limit} bytes"
        await PlainTextResponse(message, 413, headers={"connection": "close"})(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: the browser security headers on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND"})
SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})


class SameOriginWrites:
    """ASGI middleware: 403 for a state-changing request a browser says comes from another site (``Origin`` of
    another host, or ``Sec-Fetch-Site`` other than same-origin or none), whatever its authentication: HTTP
    Basic credentials a browser remembers must not let another site pause workers or rename persons. Scripts
    and WebDAV clients send neither header and are not affected."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            headers = Headers(scope=scope)
            fetch_site, origin = headers.get("sec-fetch-site"), headers.get("origin")
            host = headers.get("host", "")
            foreign_origin = origin is not None and origin.split("://", 1)[-1].rstrip("/") != host
            if (fetch_site is not None and fetch_site not in SAME_ORIGIN_FETCHES) or foreign_origin:
                detail = '{"detail":"cross-site request refused: write from this server\'s own pages or a script"}'
                response = PlainTextResponse(detail, 403, media_type="application/json")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecureCookiesOverHttps:
    """ASGI middleware: cookies set on an https request (directly, or through a proxy in ``trusted_proxies``
    that says ``X-Forwarded-Proto: https``) carry ``Secure``, so a browser never sends them in clear."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value + b"; secure")
                    if name.lower() == b"set-cookie" and b"secure" not in value.lower()
                    else (name, value)
                    for name, value in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured)
