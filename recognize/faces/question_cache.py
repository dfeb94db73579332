"""Questions and merge suggestions kept between requests: made once per state of the faces, and served at
once while newer ones are being made.

Reading every face's vector and listing every question (``confirmations.snapshot``) takes seconds on an
archive of 100,000 faces. The result (the persons' sums and samples, and the questions) is kept per user with
the state of the faces it was made from (counts and sums over the faces and rejections, and the user's
settings). When that state has changed, a new one is made in a thread; a request waits for it up to
``FRESH_WAIT`` seconds and otherwise gets the previous one: ``confirmations.still_open`` drops the questions
answered or no longer true (a face moved, a person merged away), and suggestions name living persons only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.confirmations import KINDS, Question, snapshot, still_open
from recognize.faces.nearness import PersonSpace
from recognize.faces.persons import suggest_merges
from recognize.faces.vectors import FaceVectors
from recognize.storage.database import Database
from recognize.storage.models import Face, FaceRejection, Person

FRESH_WAIT = 0.5

Version = tuple[object, ...]
Snapshot = tuple[PersonSpace, list[Question]]


def faces_version(session: Session, settings: FaceSettings) -> Version:
    """What questions depend on, in one cheap query: faces, their persons, rejections, and the settings."""
    faces = session.execute(select(func.count(Face.id), func.max(Face.id), func.sum(Face.person_id))).one()
    rejections = session.scalar(select(func.count()).select_from(FaceRejection))
    return (*faces, rejections, settings.model_dump_json())


class QuestionCache:
    """The latest snapshot of persons and questions per user, made again in the background when faces change."""

    def __init__(self, database: Database, vectors: FaceVectors) -> None:
        self._database = database
        self._vectors = vectors
        self._lock = threading.Lock()
        self._kept: dict[int, tuple[Version, Snapshot]] = {}
        self._making: dict[int, threading.Thread] = {}

    def questions(
        self, session: Session, user_id: int, settings: FaceSettings, limit: int, kinds: Collection[str] = KINDS
    ) -> list[Question]:
        """The first ``limit`` open questions of ``kinds`` (see the module's docstring for how fresh)."""
        return still_open(session, user_id, self.snapshot(session, user_id, settings)[1], limit, kinds)

    def asked(self, session: Session, user_id: int, settings: FaceSettings, question_id: str) -> Question | None:
        """A question as it is asked now (a group question's answer needs its faces), or None."""
        return next((q for q in self.snapshot(session, user_id, settings)[1] if q.id == question_id), None)

    def suggestions(
        self, session: Session, user_id: int, settings: FaceSettings, person_id: int | None, limit: int
    ) -> list[tuple[int, int, float]]:
        """``persons.suggest_merges`` from the kept persons, naming persons that still exist."""
        space = self.snapshot(session, user_id, settings)[0]
        pairs = suggest_merges(session, user_id, settings, limit=None, person_id=person_id, space=space)
        named = {person for pair in pairs for person in pair[:2]}
        alive = set(session.scalars(select(Person.id).where(Person.id.in_(named), Person.user_id == user_id)))
        return [pair for pair in pairs if pair[0] in alive and pair[1] in alive][:limit]

    def snapshot(self, session: Session, user_id: int, settings: FaceSettings) -> Snapshot:
        """The snapshot of the faces' current state when it is made within ``FRESH_WAIT`` seconds (or there is
        no other), else the previous one."""
        version = faces_version(session, settings)
        with self._lock:
            kept = self._kept.get(user_id)
        if kept is None:
            made = snapshot(session, user_id, settings, self._vectors)
            self._keep(user_id, version, made)
            return made
        if kept[0] == version:
            return kept[1]
        self._make(user_id, settings, version).join(FRESH_WAIT)
        with self._lock:
            return self._kept[user_id][1]

    def _keep(self, user_id: int, version: Version, made: Snapshot) -> None:
        with self._lock:
            self._kept[user_id] = (version, made)

    def _make(self, user_id: int, settings: FaceSettings, version: Version) -> threading.Thread:
        """The thread making the user's snapshot for ``version`` (started now unless one already is)."""
        with self._lock:
            running = self._making.get(user_id)
            if running is not None and running.is_alive():
                return running
            thread = threading.Thread(target=self._made(user_id, settings, version), daemon=True)
            self._making[user_id] = thread
            thread.start()
            return thread

    def _made(self, user_id: int, settings: FaceSettings, version: Version) -> Callable[[], None]:
        def make() -> None:
            with self._database.session() as session:
                self._keep(user_id, version, snapshot(session, user_id, settings, self._vectors))

        return make
