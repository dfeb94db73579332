"""Questions and merge suggestions kept between requests: made once per state of the faces, and served at
once while newer ones are being made.

Reading every face's vector and listing every question (``confirmations.snapshot``) takes seconds on an
archive of 100,000 faces. The result (the questions, and the pairs of persons to suggest merging; not the
persons' vectors) is kept per user with the state of the faces it was made from (counts and sums over the
faces and rejections, and the user's settings). When that state has changed, a new one is made in a thread;
a request waits for it up to ``FRESH_WAIT`` seconds and otherwise gets the previous one:
``confirmations.still_open`` drops the questions answered or no longer true (a face moved, a person merged
away), and suggestions name living persons only.

The questions and pairs made last are also stored (``question_lists``): the workers make them after each grouping
(``remember``), and a process that starts (a server, the CLI) serves the stored ones at once, as the previous
ones above, until it has made its own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection
from dataclasses import asdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognize.config import FaceSettings
from recognize.faces.confirmations import KINDS, Question, snapshot, still_open
from recognize.faces.persons import suggest_merges
from recognize.faces.vectors import FaceVectors
from recognize.storage.database import Database
from recognize.storage.models import Face, FaceRejection, Person, QuestionList

FRESH_WAIT = 0.5

Version = str
Pair = tuple[int, int, float]
Snapshot = tuple[list[Pair], list[Question]]  # the pairs of persons to suggest merging, and the questions


def faces_version(session: Session, settings: FaceSettings) -> Version:
    """What questions depend on, in one cheap query: faces, their persons, rejections, and the settings."""
    faces = session.execute(select(func.count(Face.id), func.max(Face.id), func.sum(Face.person_id))).one()
    rejections = session.scalar(select(func.count()).select_from(FaceRejection))
    return json.dumps([*(int(value or 0) for value in faces), rejections, settings.model_dump_json()])


def made(session: Session, user_id: int, settings: FaceSettings, vectors: FaceVectors | None = None) -> Snapshot:
    """The user's pairs of persons to suggest merging and questions, made now (``confirmations.snapshot``)."""
    return snapshot(session, user_id, settings, vectors)


def stored_questions(session: Session, user_id: int) -> tuple[Version, Snapshot] | None:
    """The user's questions and pairs as last stored, with the state of the faces they were made from."""
    stored = session.get(QuestionList, user_id)
    if stored is None:
        return None
    questions = [
        Question(**{**item, "faces": tuple(item["faces"]), "members": tuple(item["members"])})
        for item in stored.questions
    ]
    return stored.version, ([(int(a), int(b), float(d)) for a, b, d in stored.pairs], questions)


def store_questions(session: Session, user_id: int, version: Version, kept: Snapshot) -> None:
    """Keep the user's questions and pairs in the database (in place of those stored before)."""
    pairs, questions = kept
    questions_json = [asdict(q) for q in questions]
    session.merge(QuestionList(user_id=user_id, version=version, questions=questions_json, pairs=pairs))


class QuestionCache:
    """The latest questions and merge pairs per user, made again in the background when faces change."""

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
        """``persons.suggest_merges`` from the kept pairs, naming persons that still exist."""
        kept = self.snapshot(session, user_id, settings)[0]
        pairs = suggest_merges(session, user_id, settings, limit=None, person_id=person_id, pairs=kept)
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
            kept = stored_questions(session, user_id)
            if kept is not None:
                self._keep(user_id, *kept)
        if kept is None:
            now = made(session, user_id, settings, self._vectors)
            self._keep(user_id, version, now)
            return now
        if kept[0] == version:
            return kept[1]
        self._make(user_id, settings, version).join(FRESH_WAIT)
        with self._lock:
            return self._kept[user_id][1]

    def remember(self, user_id: int, settings: FaceSettings) -> None:
        """Make the user's questions now, keep them and store them for processes that start later (the workers
        call this after a grouping)."""
        with self._database.session() as session:
            version = faces_version(session, settings)
        self._made_now(user_id, settings, version)

    def _made_now(self, user_id: int, settings: FaceSettings, version: Version) -> None:
        """Make, store and keep the user's snapshot in a session of its own (not a request's: its transaction
        must not see this write before its own)."""
        with self._database.session() as session:
            now = made(session, user_id, settings, self._vectors)
            store_questions(session, user_id, version, now)
        self._keep(user_id, version, now)

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
            self._made_now(user_id, settings, version)

        return make
