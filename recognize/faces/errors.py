"""The error of every person operation."""

from __future__ import annotations

from recognize.errors import Refusal, Refused

__all__ = ["PersonError", "Refusal"]


class PersonError(Refused):
    """A person operation was refused; the message says why (a conflict unless it says otherwise)."""

    default = Refusal.CONFLICT
