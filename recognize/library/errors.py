"""The error of every library operation, carrying the HTTP status that fits it."""

from __future__ import annotations


class LibraryError(Exception):
    """A library operation was refused; the message says why, ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
