"""A family archive built straight into the database (no photo decoding): the fixture of ``bench/archive.py``.

Identities: about 10 family members with 2,000-15,000 faces each, 200 friends with 20-500, and strangers
seen once or twice (a third of the faces). Embeddings are 1024-d like faceres'; a face is its identity's
centre plus noise, ``normalise(centre + s * noise)`` with ``s`` drawn per face, and centres share a common
part (every face looks like a face) and, within a family or a circle of friends, a part of their own
(relatives look alike). The parameters are set so that the distances match what faceres gives on the
labelled sets of ``../shared/data/faces`` (measured with ``bench/labelled_faces.py``: same person median
0.58-0.76, different persons median 1.10 and 1 % below 0.94-0.96); ``DISTANCES`` states them and
``tests/bench/test_archive_fixture.py`` checks them.

Persons are set as grouping would leave them, imperfect on purpose: most faces of a family member or
friend are in their person (all 200 of those persons named), a few wait unassigned (marked as grouping
leaves them), a few sit in a wrong person, and five family members are split in two (so questions have
something to ask).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from recognize.app import App
from recognize.config import FaceSettings, load_settings
from recognize.faces.known import LEFT
from recognize.faces.thresholds import embedding_model
from recognize.library.accounts import create_token, create_user
from recognize.storage.models import Face, MediaFile, Person, SearchDocument, Tag

DIMENSIONS = 1024
COMMON, RELATED = (0.40, 0.80), 0.167  # shares of a centre: common to all faces (per identity), to a family
NOISE = (0.45, 0.68)  # per-face noise scale, uniform
# What the generator claims (checked by the test): median distances within an identity, between relatives,
# between unrelated identities.
DISTANCES = {"same person": (0.62, 0.78), "relatives": (0.85, 0.97), "unrelated": (1.05, 1.15)}
OBJECTS = [
    "beach", "birthday cake", "dog", "cat", "garden", "snow", "mountain", "car", "bicycle", "christmas tree",
    "swimming pool", "playground", "kitchen", "forest", "lake", "church", "boat", "horse", "pizza", "balloon",
]  # fmt: skip
PLACES = ["Berlin", "Lisbon", "Vienna", "Paris", "Rome", "Oslo", "Lyon", "Porto", "Zurich", "Gdansk"]


@dataclass(frozen=True)
class Identities:
    """Who the faces are: the identity of each face, each identity's kind and its family or circle (-1: none)."""

    of_face: np.ndarray
    kinds: list[str]
    circles: np.ndarray
    young: np.ndarray


def identities(faces: int, rng: np.random.Generator) -> Identities:
    """About ``faces`` faces: a third strangers (once or twice), 200 friends (20-500), 10 family members."""
    scale = faces / 100_000
    friends = np.exp(rng.uniform(np.log(20), np.log(500), max(2, round(200 * scale)))).astype(int)
    strangers = rng.choice([1, 1, 2], max(2, round(22_000 * scale)))
    left = max(10, faces - int(friends.sum()) - int(strangers.sum()))
    weights = np.array([15, 10, 8, 6, 5, 4, 4, 3.5, 3.5, 3.5])
    family = np.maximum(1, np.round(weights / weights.sum() * left)).astype(int)
    sizes = np.concatenate([family, friends, strangers])
    kinds = ["family"] * len(family) + ["friend"] * len(friends) + ["stranger"] * len(strangers)
    circles = np.concatenate(
        [np.zeros(len(family), int), 1 + np.arange(len(friends)) // 4, -np.ones(len(strangers), int)]
    )
    young = np.zeros(len(sizes), bool)
    young[[3, 4, 5]] = True  # three of the family are children (some of their faces)
    return Identities(np.repeat(np.arange(len(sizes)), sizes), kinds, circles, young)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def embeddings(people: Identities, rng: np.random.Generator) -> np.ndarray:
    """One L2-normalised float32 vector per face, distances as ``DISTANCES`` claims."""
    count = len(people.kinds)
    common = _unit(rng.normal(size=DIMENSIONS))
    circle_parts = _unit(rng.normal(size=(people.circles.max() + 2, DIMENSIONS)))
    own = _unit(rng.normal(size=(count, DIMENSIONS)))
    related = np.where(people.circles[:, None] >= 0, circle_parts[people.circles], own)
    shared = rng.uniform(*COMMON, (count, 1))
    centres = np.sqrt(shared) * common + np.sqrt(RELATED) * related + np.sqrt(1 - shared - RELATED) * own
    centres = _unit(centres).astype(np.float32)
    vectors = np.empty((len(people.of_face), DIMENSIONS), np.float32)
    for start in range(0, len(vectors), 10_000):
        owners = people.of_face[start : start + 10_000]
        noise = rng.normal(size=(len(owners), DIMENSIONS)).astype(np.float32) / np.sqrt(DIMENSIONS)
        scales = rng.uniform(*NOISE, (len(owners), 1)).astype(np.float32)
        vectors[start : start + len(owners)] = _unit(centres[owners] + scales * noise)
    return vectors


def _photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), (150, 120, 100)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


@dataclass(frozen=True)
class Archive:
    """A built archive: its data folder and library, the admin's API token, and its biggest person."""

    data: Path
    library: Path
    token: str
    biggest_person: int
    files: int
    faces: int
    questions_seconds: float
    """How long the questions took to make and store, as the workers do after a grouping."""


def build(home: Path, files: int, faces: int, seed: int = 7) -> Archive:
    """Write ``files`` small JPEG files, scan them as one library, then add dates, tags, faces and persons."""
    rng = np.random.default_rng(seed)
    library = home / "photos"
    data = home / "data"
    photo = _photo_bytes()
    for index in range(files):
        folder = library / f"{2010 + index * 15 // files}" / f"{index // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"IMG_{index:06d}.jpg").write_bytes(photo + index.to_bytes(4, "big"))
    app = App(load_settings(home=data))
    app.scan([app.add_library(library)])
    with app.database.session() as session:
        user = create_user(session, "admin", "bench-password", admin=True)
        token = create_token(session, user, "bench")
        settings = app.clustering_settings(user)
        file_ids = list(session.scalars(select(MediaFile.id).order_by(MediaFile.id)))
        _dates_and_tags(session, file_ids, rng)
        people = identities(faces, rng)
        biggest = _faces_and_persons(session, user.id, file_ids, people, embeddings(people, rng), rng, settings)
        user_id = user.id
    started = time.perf_counter()
    app.question_cache.remember(user_id, settings)  # the questions, as the workers' last grouping leaves them
    questions_seconds = time.perf_counter() - started
    app.close()
    return Archive(data, library, token, biggest, files, len(people.of_face), questions_seconds)


def _dates_and_tags(session: Session, file_ids: list[int], rng: np.random.Generator) -> None:
    start = datetime(2010, 1, 1)
    days = rng.uniform(0, 15 * 365, len(file_ids))
    for first in range(0, len(file_ids), 5000):
        chunk = file_ids[first : first + 5000]
        session.execute(
            MediaFile.__table__.update()
            .where(MediaFile.id.in_(chunk))
            .values(media="image", mime="image/jpeg", width=4000, height=3000, date_source="exif")
        )
    dated = update(MediaFile.__table__).where(MediaFile.__table__.c.id == bindparam("key"))
    session.execute(
        dated.values(taken_at=bindparam("taken")),
        [{"key": f, "taken": start + timedelta(days=float(d))} for f, d in zip(file_ids, days, strict=True)],
    )
    tags, documents = [], []
    for position, file_id in enumerate(file_ids):
        names = [OBJECTS[i] for i in rng.choice(len(OBJECTS), 2, replace=False)]
        tags += [{"file_id": file_id, "kind": "object", "name": n, "score": 0.6, "model": "bench"} for n in names]
        place = PLACES[position * len(PLACES) // len(file_ids)]
        tags.append({"file_id": file_id, "kind": "place", "name": place, "score": 1.0, "model": "bench"})
        year = str(2010 + int(days[position] // 365))
        documents.append({"file_id": file_id, "body": " ".join([*names, place, year, "IMG", str(position)])})
    for first in range(0, len(tags), 20_000):
        session.execute(insert(Tag), tags[first : first + 20_000])
    for first in range(0, len(documents), 20_000):
        session.execute(insert(SearchDocument), documents[first : first + 20_000])


def _faces_and_persons(
    session: Session,
    user_id: int,
    file_ids: list[int],
    people: Identities,
    vectors: np.ndarray,
    rng: np.random.Generator,
    settings: FaceSettings,
) -> int:
    """Insert faces (an identity's faces in distinct photos) and persons; returns the biggest person's id."""
    count = len(people.kinds)
    named = [i for i, kind in enumerate(people.kinds) if kind != "stranger"]
    person_of = {}
    for number, identity in enumerate(named):
        label = f"Family {number + 1}" if people.kinds[identity] == "family" else f"Friend {number - 9}"
        person = Person(user_id=user_id, name=label)
        session.add(person)
        person_of[identity] = person
    halves = {identity: Person(user_id=user_id) for identity in range(5)}
    session.add_all(halves.values())
    session.flush()
    person_ids = np.array([person_of[i].id if i in person_of else 0 for i in range(count)])
    photos = np.empty(len(people.of_face), np.int64)
    for identity in range(count):
        mine = np.flatnonzero(people.of_face == identity)
        photos[mine] = rng.choice(len(file_ids), len(mine), replace=False)
    roll = rng.uniform(size=len(people.of_face))
    model, thumbnail = embedding_model(settings), _photo_bytes()
    held = {(int(person_ids[identity]), int(photo)) for identity, photo in zip(people.of_face, photos, strict=True)}
    rows = []
    for index, identity in enumerate(people.of_face.tolist()):
        person = int(person_ids[identity]) or None
        if person is not None and roll[index] < 0.03:
            person = None
        elif person is not None and roll[index] < 0.05:
            wrong = int(person_ids[named[int(rng.integers(len(named)))]])
            if (wrong, int(photos[index])) not in held:  # never two faces of one photo in a person, as grouping
                held.add((wrong, int(photos[index])))
                person = wrong
        elif identity in halves and roll[index] > 0.9:
            person = halves[identity].id
        rows.append(
            {
                "file_id": file_ids[int(photos[index])],
                "x": 100, "y": 100, "width": 120, "height": 120, "score": 0.9, "landmarks": [], "blur": 0.1,
                "embedding": vectors[index].tobytes(), "embedding_model": model, "clusterable": True,
                "age": 6.0 if people.young[identity] and roll[index] < 0.3 else 35.0,
                "thumbnail": thumbnail, "person_id": person, "assigned_by": "auto" if person else LEFT,
            }
        )  # fmt: skip
        if len(rows) == 5000:
            session.execute(insert(Face), rows)
            rows = []
    if rows:
        session.execute(insert(Face), rows)
    return int(person_ids[0])
