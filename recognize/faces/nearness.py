"""How near faces are to persons, in matrix passes that grow with faces x persons, not faces x faces.

A person is seen through the sum of its members' vectors, from which the mean squared distance of any face
to all its members is exact (unit vectors: ``|x - y|^2 = 2 - 2 x.y``), and through at most ``SAMPLE`` of its
members (evenly spread over them) for the k-th closest member, as a join vote counts. A face is measured
that way against the ``CANDIDATES`` persons whose mean face is nearest to it; the others are too far to
matter for a question. Root mean square distances stand where means of distances stood before: for faces
of one person they differ by about 0.002 (distances near 0.7 with a spread of 0.06).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recognize.config import FaceSettings
from recognize.faces.clustering import distances_to
from recognize.faces.known import KnownFace, matrix_rows, vectors_of

SAMPLE = 256
CANDIDATES = 4
BLOCK = 2048
SELF = 0.01  # a sampled member this close is the face itself (float32 rounding leaves up to ~0.001)


class PersonSpace:
    """The persons of a user's faces: member sums and counts, mean faces, a sample of members each, and the
    pairs of persons that share a photo."""

    def __init__(self, faces: Sequence[KnownFace], settings: FaceSettings) -> None:
        members = sorted((f for f in faces if f.person_id is not None and f.vector is not None), key=_owner)
        self.settings = settings
        owners = np.array([f.person_id for f in members], dtype=np.int64)
        self.ids, starts, counts = np.unique(owners, return_index=True, return_counts=True)
        kept = matrix_rows(members)  # read from the matrix they are in: no copy of every member's vector
        source, rows = kept if kept is not None else (vectors_of(members), np.arange(len(members)))
        young = np.array([f.young for f in members], dtype=bool)
        self.counts = counts
        self.position = {int(person): index for index, person in enumerate(self.ids.tolist())}
        pieces = list(zip(starts.tolist(), counts.tolist(), strict=True))
        width = source.shape[1] if members else 1
        sums = [source[rows[start : start + count]].sum(axis=0) for start, count in pieces]
        self.sums = np.stack(sums) if sums else np.zeros((0, width), np.float32)
        norms = np.linalg.norm(self.sums, axis=1, keepdims=True) if members else np.ones((0, 1))
        self.centres = (self.sums / np.maximum(norms, 1e-12)).astype(np.float32)
        self.sharing_photos = _sharing_photos(faces)
        self.samples: list[tuple[np.ndarray, np.ndarray]] = []
        for start, count in pieces:
            chosen = start + np.linspace(0, count - 1, min(count, SAMPLE)).round().astype(int)
            self.samples.append((source[rows[chosen]], young[chosen]))

    def size(self, person: int) -> int:
        """How many faces (with a vector of today's model) the person has."""
        index = self.position.get(person)
        return 0 if index is None else int(self.counts[index])

    def spread(self, vector: np.ndarray, person: int) -> float:
        """Root mean square distance from a member face to the other faces of its person (0 when alone)."""
        index = self.position.get(person)
        if index is None or self.counts[index] < 2:
            return 0.0
        mean_dot = (float(self.sums[index] @ vector) - 1.0) / (self.counts[index] - 1)
        return float(np.sqrt(max(0.0, 2.0 - 2.0 * mean_dot)))

    def closest_members(self, faces: Sequence[KnownFace]) -> list[float]:
        """For each member face, the distance to the closest other face of its person (among the sample; 0 when
        there is none), person by person in one matrix pass each."""
        found = [0.0] * len(faces)
        by_person: dict[int, list[int]] = {}
        for position, face in enumerate(faces):
            by_person.setdefault(_owner(face), []).append(position)
        for person, positions in by_person.items():
            index = self.position.get(person)
            if index is None:
                continue
            sample = self.samples[index][0]
            vectors = vectors_of([faces[position] for position in positions])
            distances = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (vectors @ sample.T)))
            nearest = np.partition(distances, 1, axis=1)[:, :2] if len(sample) > 1 else distances  # two smallest
            for position, row in zip(positions, nearest.tolist(), strict=True):
                others = row[1:] if row and row[0] < SELF else row
                found[position] = float(others[0]) if others else 0.0
        return found

    def between(self, first: int, second: int) -> float:
        """Root mean square distance between the faces of two persons."""
        a, b = self.position[first], self.position[second]
        mean_dot = float(self.sums[a] @ self.sums[b]) / (self.counts[a] * self.counts[b])
        return float(np.sqrt(max(0.0, 2.0 - 2.0 * mean_dot)))

    def nearest(self, faces: Sequence[KnownFace], excluded: Sequence[set[int]]) -> list[dict[int, float]]:
        """For each face, person -> the distance of the person's k-th closest (sampled) member, child pairs
        scaled, for the persons nearest to it on average but those ``excluded`` for it."""
        found: list[dict[int, float]] = [{} for _ in faces]
        if not len(self.ids) or not faces:
            return found
        wanted: dict[int, list[int]] = {}
        for start in range(0, len(faces), BLOCK):
            block = vectors_of(faces[start : start + BLOCK])
            closeness = block @ self.centres.T
            for row, face_index in enumerate(range(start, start + len(block))):
                for person in excluded[face_index]:
                    if person in self.position:
                        closeness[row, self.position[person]] = -np.inf
            keep = min(CANDIDATES, len(self.ids))
            best = np.argpartition(-closeness, keep - 1, axis=1)[:, :keep]
            for row, chosen in enumerate(best.tolist()):
                for index in chosen:
                    if closeness[row, index] > -np.inf:
                        wanted.setdefault(index, []).append(start + row)
        for index, face_indexes in wanted.items():
            self._kth(index, faces, face_indexes, found)
        return found

    def _kth(
        self, index: int, faces: Sequence[KnownFace], face_indexes: list[int], found: list[dict[int, float]]
    ) -> None:
        sample, sample_young = self.samples[index]
        votes = min(self.settings.join_min_votes, len(sample))
        vectors = vectors_of([faces[i] for i in face_indexes])
        distances = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (vectors @ sample.T)))
        child = self.settings.child_distance
        if child:
            young = np.array([faces[i].young for i in face_indexes])
            scaled = young[:, None] | sample_young[None, :]
            distances = np.where(scaled, distances * ((self.settings.cluster_distance or child) / child), distances)
        kth = np.partition(distances, votes - 1, axis=1)[:, votes - 1]
        person = int(self.ids[index])
        for face_index, distance in zip(face_indexes, kth.tolist(), strict=True):
            found[face_index][person] = distance


def close_counts(vectors: np.ndarray, cap: float) -> np.ndarray:
    """For each row, how many rows (itself included) are closer than ``cap``."""
    counts = np.zeros(len(vectors), dtype=int)
    for start in range(0, len(vectors), BLOCK):
        counts[start : start + BLOCK] = (cap > distances_to(vectors, vectors[start : start + BLOCK].T).T).sum(axis=1)
    return counts


def _sharing_photos(faces: Sequence[KnownFace]) -> set[tuple[int, int]]:
    """Pairs of persons (smaller id first) with faces in one photo."""
    by_photo: dict[int, set[int]] = {}
    for face in faces:
        if face.person_id is not None:
            by_photo.setdefault(face.file_id, set()).add(face.person_id)
    return {
        (first, second)
        for persons in by_photo.values()
        if len(persons) > 1
        for first in persons
        for second in persons
        if first < second
    }


def _owner(face: KnownFace) -> int:
    return face.person_id or 0
