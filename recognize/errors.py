"""What kind of refusal a domain error is. The domain says only the kind, never an HTTP status: the HTTP
service maps kinds to statuses in one table (``recognize.server.STATUS_OF``); the CLI ends every refused
command with exit code 2 and the message (``cli.common.fail``)."""

from __future__ import annotations

from enum import Enum


class Refusal(Enum):
    """Why an operation was refused."""

    INVALID = "invalid"  # the request itself is wrong (a bad value, a malformed name)
    MISMATCHED = "mismatched"  # well formed, but it does not fit what it names (a face not in the question)
    NOT_FOUND = "not found"  # no such thing, or not the user's
    FORBIDDEN = "forbidden"  # not allowed for this user
    CONFLICT = "conflict"  # the present state forbids it (a name taken, a paused library)


class Refused(Exception):
    """An operation was refused; the message says why, ``refusal`` what kind of refusal it is."""

    default = Refusal.CONFLICT

    def __init__(self, message: str, refusal: Refusal | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal or self.default
