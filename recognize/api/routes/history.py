"""The user's person operations, newest first, and undoing one (``faces/history.py``)."""

from typing import Any

from fastapi import APIRouter

from recognize.api.deps import Db, Me
from recognize.api.schemas import Id, Offset, Page
from recognize.faces import history

router = APIRouter()


def entry_json(entry: history.PersonHistory) -> dict[str, Any]:
    """One operation as the API shows it."""
    return {
        "id": entry.id,
        "kind": entry.kind,
        "summary": entry.summary,
        "created_at": entry.created_at,
        "undone_at": entry.undone_at,
    }


@router.get("/api/history")
def list_history(db: Db, user: Me, limit: Page = 50, offset: Offset = 0) -> dict[str, Any]:
    """The user's operations, newest first (each with ``undone_at`` once undone)."""
    return {"items": [entry_json(entry) for entry in history.history(db, user.id, limit, offset)]}


@router.post("/api/history/{entry_id}/undo")
def undo(db: Db, user: Me, entry_id: Id) -> dict[str, Any]:
    """Put back what the operation changed: 409 when it was undone already or its persons changed since."""
    return entry_json(history.undo(db, user.id, entry_id))
