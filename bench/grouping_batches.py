"""Grouping batches: the same faces grouped at once, and grouped as they arrive in batches.

Why the workers wait for a user's face work before grouping (``recognize/jobs/settling.py``). Faces come
from the archive generator (``archive_fixture.py``: identities, relatives and strangers with faceres'
distances), a few per photo, stored in a random order into a fresh SQLite home per way of grouping; the
real ``update_persons`` groups them. Prints persons, pairwise precision and recall against the identities.

usage: python bench/grouping_batches.py [--faces 1500] [--batches 1 3 24] [--seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from archive_fixture import embeddings, identities
from sqlalchemy import insert, select

from recognize.app import App
from recognize.config import load_settings
from recognize.faces.grouping import update_persons
from recognize.faces.thresholds import embedding_model
from recognize.storage.models import Face, MediaFile, User


def grouped(home: Path, vectors: np.ndarray, photos: np.ndarray, order: list[int], batches: int) -> list[list[int]]:
    """Persons (lists of face numbers) after storing the faces in ``order``, grouping after each of ``batches``."""
    (home / "photos").mkdir(parents=True)
    app = App(load_settings(home=home / "home", workers=1))
    library = app.add_library(home / "photos", "bench")
    with app.database.session() as session:
        settings = app.clustering_settings(session.get_one(User, library.user_id))
        files = [
            MediaFile(library_id=library.id, rel_path=f"{n:05d}.jpg", size=1, mtime_ns=1, device=1, inode=n)
            for n in range(int(photos.max()) + 1)
        ]
        session.add_all(files)
        session.flush()
        file_ids = [media_file.id for media_file in files]
    for part in np.array_split(np.asarray(order), batches):
        with app.database.session() as session:
            rows = [
                {
                    "file_id": file_ids[int(photos[n])], "x": int(n), "y": 0, "width": 100, "height": 100,
                    "score": 0.9, "landmarks": [], "blur": 0.1, "embedding": vectors[n].tobytes(),
                    "embedding_model": embedding_model(settings), "clusterable": True, "age": 35.0, "thumbnail": b"",
                }
                for n in part.tolist()
            ]  # fmt: skip
            session.execute(insert(Face), rows)
            update_persons(session, library.user_id, settings)
    with app.database.session() as session:
        members: dict[int, list[int]] = {}
        for person, number in session.execute(select(Face.person_id, Face.x).where(Face.person_id.is_not(None))):
            members.setdefault(person, []).append(number)
    app.close()
    return list(members.values())


def pairwise(persons: list[list[int]], owner: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall of the persons against the faces' identities."""
    right = sum(int((np.bincount(owner[person]) * (np.bincount(owner[person]) - 1) // 2).sum()) for person in persons)
    pairs = sum(len(person) * (len(person) - 1) // 2 for person in persons)
    sizes = np.bincount(owner)
    return right / max(1, pairs), right / max(1, int((sizes * (sizes - 1) // 2).sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1500)
    parser.add_argument("--batches", type=int, nargs="*", default=[1, 3, 24])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    people = identities(args.faces, rng)
    vectors = embeddings(people, rng)
    photos = rng.integers(0, max(1, args.faces // 2), len(vectors))
    order = rng.permutation(len(vectors)).tolist()
    print(f"{len(vectors)} faces of {len(people.kinds)} identities, stored in a random order")
    print(f"{'grouped':>22} {'persons':>7} {'precision':>9} {'recall':>6}")
    for batches in args.batches:
        with tempfile.TemporaryDirectory(prefix="recognize-batches-") as folder:
            persons = grouped(Path(folder), vectors, photos, order, batches)
        precision, recall = pairwise(persons, people.of_face)
        label = "at once" if batches == 1 else f"in {batches} batches of ~{len(vectors) // batches}"
        print(f"{label:>22} {len(persons):7} {precision:9.3f} {recall:6.3f}")


if __name__ == "__main__":
    main()
