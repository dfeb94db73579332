"""Database failures answered honestly: a request whose writes were not committed never answers 2xx.

A locked database answers 503 with Retry-After, a full disk 507, anything else 500; each says that
nothing was saved. The session of a request commits before the answer is sent (``deps.database_session``).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def classify(error: DBAPIError) -> tuple[int, str]:
    """The HTTP status and sentence for a database error."""
    text = str(error.orig or error).lower()
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return 503, "the database is busy (another writer holds it); nothing was saved: retry"
    if "full" in text or "no space" in text:
        return 507, "the disk holding the database is full; nothing was saved"
    if "readonly" in text or "read-only" in text:
        return 503, "the database is read-only; nothing was saved"
    return 500, "the database failed; nothing was saved"


def answer_database_failures(api: FastAPI) -> None:
    """Install the handler that turns database errors into 503 / 507 / 500 answers."""

    @api.exception_handler(DBAPIError)
    async def database_failed(request: Request, error: DBAPIError) -> JSONResponse:
        status, message = classify(error)
        log.error("%s %s: %s (%s)", request.method, request.url.path, message, error.orig or error)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
