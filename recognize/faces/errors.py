"""The error of every person operation, carrying the HTTP status that fits it."""

from __future__ import annotations


class PersonError(Exception):
    """A person operation was refused; the message says why, ``status`` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status
