"""REST: the questions that settle doubtful faces, and their answers (``faces/confirmations.py``).

``GET /api/confirmations?limit=N&kind=K`` -> ``{"items": [{"id", "kind", "face" | "other" | "faces", "person",
"gain"}]}`` best first (kinds face, merge and group; ``kind`` picks some); ``POST /api/confirmations/{id}``
with ``{"answer": "yes" | "no" | "skip"}`` (and for a group, ``"except": [face ids]``: the faces that are
not the person) applies the answer, groups the user's waiting faces again, and answers 200 once both are
committed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from recognize.api.deps import Db, Me, Recognize
from recognize.api.schemas import MAX_ID
from recognize.faces import confirmations
from recognize.faces.group_questions import GROUP_SIZE
from recognize.jobs.leases import LeaseHeld

router = APIRouter()


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    answer: Literal["yes", "no", "skip"]
    excepted: list[Annotated[int, Field(ge=0, le=MAX_ID)]] = Field(
        default_factory=list, alias="except", max_length=GROUP_SIZE, description="faces of a group that are not it"
    )


def question_json(question: confirmations.Question) -> dict[str, Any]:
    """A question as the API shows it (``face`` for face questions, with ``inside``: the face is in the person now
    and the question is whether it belongs there; ``other`` for merges)."""
    shown: dict[str, Any] = {"id": question.id, "kind": question.kind, "person": question.person}
    if question.kind == "group":
        shown["faces"] = list(question.faces)
    else:
        shown.update(
            {"face": question.face, "inside": question.inside} if question.kind == "face" else {"other": question.other}
        )
    return {**shown, "gain": question.gain, "distance": question.distance}


@router.get("/api/confirmations")
def list_confirmations(
    db: Db,
    user: Me,
    app: Recognize,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    kind: Annotated[list[Literal["face", "merge", "group"]] | None, Query()] = None,
) -> dict[str, Any]:
    """The questions worth asking now, best first (of the ``kind``s asked for; every kind by default)."""
    found = app.questions(db, user, limit, kinds=kind or confirmations.KINDS)
    return {"items": [question_json(question) for question in found]}


@router.post("/api/confirmations/{question_id}")
def answer_confirmation(
    user: Me, app: Recognize, question_id: Annotated[str, Path(max_length=64)], body: Answer
) -> dict[str, Any]:
    """Apply one answer (yes: must-link, no: cannot-link, skip) and group the waiting faces again."""
    if not confirmations.QUESTION_ID.match(question_id):
        raise HTTPException(404, f"no question {question_id}")
    try:
        app.answer_question(user.id, question_id, body.answer, excepted=body.excepted)
    except LeaseHeld as error:
        raise HTTPException(503, f"{error}; nothing was saved", headers={"Retry-After": "5"}) from None
    return {"id": question_id, "answer": body.answer}
