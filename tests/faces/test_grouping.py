"""Grouping grows with the new faces: a face left waiting is looked at again only when a new face comes near
it, when a person it may belong to changed, or in a full regroup."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sqlalchemy import select, update

from recognize.app import App
from recognize.faces.grouping import update_persons
from recognize.faces.known import LEFT
from recognize.faces.thresholds import embedding_model
from recognize.storage.models import Face, Library, MediaFile, Person, User
from tests.faces.conftest import main_face

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from archive_fixture import embeddings, identities


def _face(app: App, rel_path: str) -> Face:
    with app.database.session() as session:
        return main_face(session, rel_path)


def _group(app: App, **options: object) -> None:
    with app.database.session() as session:
        user = session.scalars(select(User)).one()
        update_persons(session, user.id, app.clustering_settings(user), **options)  # type: ignore[arg-type]


def _wait(app: App, *faces: Face, by: str | None) -> None:
    with app.database.session() as session:
        ids = [face.id for face in faces]
        session.execute(update(Face).where(Face.id.in_(ids)).values(person_id=None, assigned_by=by))


def test_a_face_left_waiting_is_marked_and_joins_when_a_new_face_comes_near_it(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    first, second = _face(app, "biden/a.jpg"), _face(app, "biden/b.jpg")
    _wait(app, first, second, by=None)
    with app.database.session() as session:
        session.execute(update(Face).where(Face.id == second.id).values(assigned_by="user"))  # kept out for now
        session.delete(session.get_one(Person, first.person_id))
    _group(app)
    alone = _face(app, "biden/a.jpg")
    assert (alone.person_id, alone.assigned_by) == (None, LEFT)  # one face makes no person: left waiting
    _wait(app, second, by=None)  # a new photo of him
    _group(app)
    together = {_face(app, "biden/a.jpg").person_id, _face(app, "biden/b.jpg").person_id}
    assert len(together) == 1 and None not in together


def test_a_left_face_far_from_new_faces_waits_until_its_person_changes_or_everything_is_regrouped(
    faces_app: tuple[App, Path],
) -> None:
    app, _root = faces_app
    left, new = _face(app, "obama/b.jpg"), _face(app, "kit/a.jpeg")
    obama, kit = left.person_id, new.person_id
    _wait(app, left, by=LEFT)
    _wait(app, new, by=None)
    _group(app)
    assert _face(app, "kit/a.jpeg").person_id == kit
    assert (_face(app, "obama/b.jpg").person_id, _face(app, "obama/b.jpg").assigned_by) == (None, LEFT)
    _group(app, changed=[obama])
    assert _face(app, "obama/b.jpg").person_id == obama
    _wait(app, left, by=LEFT)
    _group(app, everything=True)
    assert _face(app, "obama/b.jpg").person_id == obama


def _store_in_order(
    app: App, folder: Path, user: str, vectors: np.ndarray, photos: np.ndarray, order: list[int]
) -> int:
    """One library of ``user`` with a file per photo; its faces stored in ``order`` (as workers might finish)."""
    folder.mkdir()
    library = app.add_library(folder, user)
    with app.database.session() as session:
        settings = app.clustering_settings(session.get_one(User, library.user_id))
        files = [
            MediaFile(library_id=library.id, rel_path=f"{n:04d}.jpg", size=1, mtime_ns=1, device=1, inode=n)
            for n in range(int(photos.max()) + 1)
        ]
        session.add_all(files)
        session.flush()
        for index in order:
            session.add(
                Face(
                    file_id=files[int(photos[index])].id,
                    x=index, y=0, width=100, height=100, score=0.9, landmarks=[], blur=0.1,
                    embedding=vectors[index].tobytes(), embedding_model=embedding_model(settings),
                    clusterable=True, age=35.0, thumbnail=b"",
                )
            )  # fmt: skip
            session.flush()
    return library.user_id


def _persons_by_face(app: App, user_id: int) -> list[list[int]]:
    with app.database.session() as session:
        rows = session.execute(
            select(Face.person_id, Face.x)
            .join(MediaFile, MediaFile.id == Face.file_id)
            .join(Library, Library.id == MediaFile.library_id)
            .where(Library.user_id == user_id, Face.person_id.is_not(None))
        )
        members: dict[int, list[int]] = {}
        for person, face in rows:
            members.setdefault(person, []).append(face)
    return sorted(sorted(faces) for faces in members.values())


def test_persons_do_not_depend_on_the_order_the_faces_were_stored_in(app: App, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    people = identities(800, rng)
    vectors = embeddings(people, rng)
    photos = rng.integers(0, 500, len(vectors))
    forward = list(range(len(vectors)))
    users = [
        _store_in_order(app, tmp_path / name, name, vectors, photos, order)
        for name, order in (("first", forward), ("second", forward[::-1]), ("third", rng.permutation(forward).tolist()))
    ]
    results = []
    for user_id in users:
        with app.database.session() as session:
            user = session.get_one(User, user_id)
            update_persons(session, user_id, app.clustering_settings(user))
        results.append(_persons_by_face(app, user_id))
    assert len(results[0]) > 5
    assert results[1] == results[0] and results[2] == results[0]
