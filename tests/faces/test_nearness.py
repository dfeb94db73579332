"""Nearness of faces to persons from sums and samples agrees with the face-by-face measures it replaces."""

from __future__ import annotations

import numpy as np

from recognize.config import FaceSettings
from recognize.faces.clustering import distances_to, pairwise
from recognize.faces.known import KnownFace
from recognize.faces.nearness import SAMPLE, PersonSpace, close_counts


def _faces(rng: np.random.Generator, sizes: dict[int | None, int]) -> list[KnownFace]:
    faces, next_id = [], 1
    for person, count in sizes.items():
        centre = rng.normal(size=64)
        for _ in range(count):
            vector = centre + rng.normal(size=64) * 0.6
            vector = (vector / np.linalg.norm(vector)).astype(np.float32)
            faces.append(KnownFace(next_id, next_id, person, "auto" if person else None, vector, True, False))
            next_id += 1
    return faces


def test_spread_and_between_are_the_root_mean_square_of_the_face_by_face_distances() -> None:
    faces = _faces(np.random.default_rng(1), {1: 30, 2: 12})
    space = PersonSpace(faces, FaceSettings(cluster_distance=0.9, join_min_votes=2))
    first = np.stack([f.vector for f in faces if f.person_id == 1])
    second = np.stack([f.vector for f in faces if f.person_id == 2])
    others = distances_to(first[1:], first[0])
    assert abs(space.spread(first[0], 1) - float(np.sqrt((others**2).mean()))) < 1e-4
    across = np.sqrt(np.maximum(0.0, 2 - 2 * first @ second.T))
    assert abs(space.between(1, 2) - float(np.sqrt((across**2).mean()))) < 1e-4
    assert space.size(1) == 30 and space.size(3) == 0


def test_nearest_gives_the_kth_closest_member_of_the_nearest_persons_and_leaves_out_the_excluded() -> None:
    faces = _faces(np.random.default_rng(2), {1: 20, 2: 15, 3: 10, None: 5})
    space = PersonSpace(faces, FaceSettings(cluster_distance=0.9, join_min_votes=2))
    waiting = [f for f in faces if f.person_id is None]
    found = space.nearest(waiting, [set(), {1}, set(), set(), set()])
    for face, distances in zip(waiting, found, strict=True):
        for person, distance in distances.items():
            members = np.stack([f.vector for f in faces if f.person_id == person])
            assert abs(distance - float(np.sort(distances_to(members, face.vector))[1])) < 1e-4
    assert 1 not in found[1] and found[0]


def test_a_big_person_is_measured_through_a_sample_of_its_members() -> None:
    faces = _faces(np.random.default_rng(3), {1: SAMPLE * 3, None: 1})
    space = PersonSpace(faces, FaceSettings(cluster_distance=0.9, join_min_votes=2))
    assert len(space.samples[0][0]) == SAMPLE
    distance = space.nearest([faces[-1]], [set()])[0][1]
    members = np.stack([f.vector for f in faces if f.person_id == 1])
    exact = float(np.sort(distances_to(members, faces[-1].vector))[1])
    assert exact <= distance < exact + 0.1


def test_close_counts_count_the_rows_within_the_cap() -> None:
    vectors = np.stack([f.vector for f in _faces(np.random.default_rng(4), {1: 40, 2: 40})])
    assert (close_counts(vectors, 0.8) == (pairwise(vectors) < 0.8).sum(axis=1)).all()
