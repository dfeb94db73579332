"""The archive benchmark's generator gives the distances it claims (faceres' on the labelled sets)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from archive_fixture import DISTANCES, build, embeddings, identities

from recognize.app import App
from recognize.config import load_settings
from recognize.faces.clustering import pairwise
from recognize.storage.models import Face


def test_distances_match_the_claims() -> None:
    rng = np.random.default_rng(3)
    people = identities(20_000, rng)
    vectors = embeddings(people, rng)
    sample = rng.choice(len(vectors), 3000, replace=False)
    distances = pairwise(vectors[sample])
    owner = people.of_face[sample]
    circle = people.circles[owner]
    upper = np.triu(np.ones_like(distances, bool), 1)
    same = owner[:, None] == owner[None, :]
    relatives = ~same & (circle[:, None] == circle[None, :]) & (circle[:, None] >= 0)
    groups = {"same person": same, "relatives": relatives, "unrelated": ~same & ~relatives}
    for name, chosen in groups.items():
        low, high = DISTANCES[name]
        median = float(np.median(distances[chosen & upper]))
        assert low <= median <= high, (name, median)
    unrelated = distances[groups["unrelated"] & upper]
    assert 0.9 <= np.percentile(unrelated, 1) <= 1.0


def test_an_archive_is_shaped_like_a_family() -> None:
    people = identities(100_000, np.random.default_rng(1))
    sizes = np.bincount(people.of_face)
    kinds = np.array(people.kinds)
    assert 95_000 <= len(people.of_face) <= 105_000
    assert (kinds == "family").sum() == 10 and sizes[kinds == "family"].min() >= 2000
    assert sizes[kinds == "family"].max() <= 15_000
    assert (kinds == "friend").sum() == 200 and sizes[kinds == "friend"].min() >= 20
    assert sizes[kinds == "friend"].max() <= 500 and sizes[kinds == "stranger"].max() <= 2


def test_no_person_of_an_archive_has_two_faces_of_one_photo(tmp_path: Path) -> None:
    """As grouping never does: the answers the archive bench gives would be refused."""
    archive = build(tmp_path / "archive", 3000, 5000)
    app = App(load_settings(home=archive.data))
    try:
        with app.database.session() as session:
            pairs = select(Face.person_id, Face.file_id).where(Face.person_id.is_not(None))
            clashes = session.scalars(
                select(func.count()).select_from(
                    pairs.group_by(Face.person_id, Face.file_id).having(func.count() > 1).subquery()
                )
            ).one()
            placed = session.scalar(select(func.count()).select_from(pairs.subquery()))
    finally:
        app.close()
    assert clashes == 0 and placed > 2000
