"""Questions kept between requests: made once per state of the faces, and served at once while a newer list
is being made.

The list of every question (``confirmations.candidates``) takes seconds on an archive of 100,000 faces. It is
kept per user with the state of the faces it was made from (counts and sums over the faces and rejections,
and the user's settings). When that state has changed, a new list is made in a thread; a request waits for it
up to ``FRESH_WAIT`` seconds and otherwise gets the previous list, from which ``confirmations.still_open``
drops the questions answered or no longer true (a face moved, a person merged away).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.confirmations import Question, candidates, still_open
from recognize.storage.database import Database
from recognize.storage.models import Face, FaceRejection

FRESH_WAIT = 0.5

Version = tuple[object, ...]


def faces_version(session: Session, settings: FaceSettings) -> Version:
    """What questions depend on, in one cheap query: faces, their persons, rejections, and the settings."""
    faces = session.execute(select(func.count(Face.id), func.max(Face.id), func.sum(Face.person_id))).one()
    rejections = session.scalar(select(func.count()).select_from(FaceRejection))
    return (*faces, rejections, settings.model_dump_json())


class QuestionCache:
    """The latest list of questions per user, made again in the background when the faces change."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._lock = threading.Lock()
        self._lists: dict[int, tuple[Version, list[Question]]] = {}
        self._making: dict[int, threading.Thread] = {}

    def questions(self, session: Session, user_id: int, settings: FaceSettings, limit: int) -> list[Question]:
        """The first ``limit`` open questions: from the list of the faces' current state when it is made
        within ``FRESH_WAIT`` seconds (or there is no other), else from the previous list."""
        version = faces_version(session, settings)
        with self._lock:
            kept = self._lists.get(user_id)
        if kept is None:
            found = candidates(session, user_id, settings)
            self._keep(user_id, version, found)
        elif kept[0] == version:
            found = kept[1]
        else:
            self._make(user_id, settings, version).join(FRESH_WAIT)
            with self._lock:
                found = self._lists[user_id][1]
        return still_open(session, user_id, found, limit)

    def _keep(self, user_id: int, version: Version, found: list[Question]) -> None:
        with self._lock:
            self._lists[user_id] = (version, found)

    def _make(self, user_id: int, settings: FaceSettings, version: Version) -> threading.Thread:
        """The thread making the user's list for ``version`` (started now unless one already is)."""
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
                self._keep(user_id, version, candidates(session, user_id, settings))

        return make
