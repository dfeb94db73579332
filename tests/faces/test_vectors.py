"""Face vectors kept between groupings: the same as the database's, read again only after a new embedding."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select, update

from recognize.faces.known import user_faces, vectors_of
from recognize.faces.store import FoundFace, store_faces
from recognize.faces.vectors import FaceVectors
from recognize.storage.models import Face
from tests.faces.conftest import main_face, owner_and_stranger


def test_kept_vectors_match_the_database_and_are_read_again_only_after_a_new_embedding(faces_app) -> None:
    app, _ = faces_app
    kept = FaceVectors()
    with app.database.session() as session:
        owner, _ = owner_and_stranger(session, app)
        settings = app.clustering_settings(owner)
        first = user_faces(session, owner.id, settings, kept)
        plain = user_faces(session, owner.id, settings)
        assert len(first) == len(plain) > 10
        assert np.array_equal(vectors_of(first), np.stack([face.vector for face in plain]))
        face = main_face(session, "obama/a.jpg")
        position = next(i for i, known in enumerate(first) if known.id == face.id)
        before = first[position].vector.copy()
        changed = (before[::-1] / np.linalg.norm(before)).astype(np.float32)

        session.execute(update(Face).where(Face.id == face.id).values(embedding=changed.tobytes()))
        assert np.array_equal(user_faces(session, owner.id, settings, kept)[position].vector, before)

        found = FoundFace(
            box=(face.x, face.y, face.width, face.height),
            score=face.score,
            landmarks=face.landmarks,
            embedding=(changed * 2).tobytes(),
            embedding_model=face.embedding_model,
            age=face.age,
            blur=face.blur,
            clusterable=face.clusterable,
            thumbnail=face.thumbnail,
        )
        others = session.scalars(select(Face).where(Face.file_id == face.file_id, Face.id != face.id)).all()
        store_faces(session, face.file_id, [found] + [_found_again(other) for other in others])
        session.flush()
        again = user_faces(session, owner.id, settings, kept)
        assert np.array_equal(again[position].vector, changed * 2)
        assert np.array_equal(first[position].vector, before)
        fresh = user_faces(session, owner.id, settings)
        assert np.array_equal(vectors_of(again), np.stack([known.vector for known in fresh]))


def _found_again(face: Face) -> FoundFace:
    return FoundFace(
        box=(face.x, face.y, face.width, face.height),
        score=face.score,
        landmarks=face.landmarks,
        embedding=face.embedding,
        embedding_model=face.embedding_model,
        age=face.age,
        blur=face.blur,
        clusterable=face.clusterable,
        thumbnail=face.thumbnail,
    )
