"""The error of every library operation."""

from __future__ import annotations

from recognize.errors import Refusal, Refused

__all__ = ["LibraryError", "Refusal"]


class LibraryError(Refused):
    """A library operation was refused; the message says why (an invalid request unless it says otherwise)."""

    default = Refusal.INVALID
