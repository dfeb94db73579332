"""Precision-first clustering of face embeddings (numpy and SciPy; no database).

New persons: agglomerative clustering under a distance cap (``cluster_distance``), so every pair
of faces in a person is closer than the cap. The linkage decides which of the merges the cap
allows come first, and is measured per embedding model: average linkage (the closest groups on
average first) for faceres, complete linkage (the smallest largest distance first) for dlib's
ResNet; each was the better one for its model on the family sets (``faces/README.md``). Faces of
one photo are never in one person. The work is first split into the connected components of the
graph linking each face to its nearest neighbours closer than the cap (a person, a clique of that
graph, practically never spans two components), which keeps memory proportional to the largest
component instead of all faces squared. Groups smaller than ``min_size`` stay unassigned.

Existing persons: a new face joins one only when several of its faces agree (``PersonIndex``).

Babies and small children (by the embedding model's age estimate) need a tighter distance in both:
their faces sit close together across families, so distance alone cannot separate them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FAR = 1e12  # a pair that may not share a person: no average over groups of realistic size gets under a cap
NEIGHBOURS = 32
FOLD = 1024  # faces added to a PersonIndex past which they are folded into its one-pass counting


def distances_to(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Euclidean distances from one L2-normalised vector to each row."""
    return np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (matrix @ vector)))


def pairwise(embeddings: np.ndarray) -> np.ndarray:
    """Euclidean distances between L2-normalised rows (via the dot product)."""
    similarity = np.clip(embeddings @ embeddings.T, -1.0, 1.0)
    return np.sqrt(np.maximum(0.0, 2.0 - 2.0 * similarity)).astype(np.float64)


# SciPy is imported where it is used: importing it costs every `recognize` command time.

NEIGHBOUR_BLOCK = 256


def _capped_linkage(distances: np.ndarray, threshold: float, method: str) -> np.ndarray:
    """Flat clusters by ``method`` linkage ("average" or "complete") in which every pair is closer than
    ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(distances) == 1:
        return np.zeros(1, dtype=int)
    capped = np.where(distances < threshold, distances, FAR)
    np.fill_diagonal(capped, 0.0)
    tree = linkage(squareform(capped, checks=False), method=method)
    return fcluster(tree, np.nextafter(threshold, 0.0), criterion="distance")


def _components(embeddings: np.ndarray, threshold: float) -> np.ndarray:
    """Component label per face in the graph of nearest neighbours closer than ``threshold``.

    Brute force by blocks of rows, as scikit-learn's NearestNeighbors does for these dimensions,
    without the second of import time scikit-learn costs each process that clusters.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    count = len(embeddings)
    keep = min(NEIGHBOURS, count)
    rows, columns = [], []
    for start in range(0, count, NEIGHBOUR_BLOCK):
        block = embeddings[start : start + NEIGHBOUR_BLOCK]
        distances = distances_to(block, embeddings.T)
        nearest = np.argpartition(distances, keep - 1, axis=1)[:, :keep]
        close = np.take_along_axis(distances, nearest, axis=1) < threshold
        rows.append(np.repeat(np.arange(start, start + len(block)), keep)[close.ravel()])
        columns.append(nearest[close])
    row, column = np.concatenate(rows), np.concatenate(columns)
    graph = coo_matrix((np.ones(len(row)), (row, column)), shape=(count, count))
    return connected_components(graph, directed=False)[1]


MAX_COMPONENT = 5000  # faces clustered at once: their distance matrix takes 8 bytes per pair (200 MB here)
TIGHTEN = 0.97


def _bounded_components(embeddings: np.ndarray, threshold: float, min_size: int) -> list[np.ndarray]:
    """The indexes of each component of at least ``min_size`` faces; a component larger than ``MAX_COMPONENT``
    (relatives in a big family archive chain together) is cut again at a tighter distance until its parts
    fit, so a full regroup never builds a matrix larger than that. Its faces can then form several persons
    where one would do (merge suggestions offer them), never one person more mixed."""
    found, pending = [], [(np.arange(len(embeddings)), threshold)]
    while pending:
        indexes, distance = pending.pop()
        component = _components(embeddings[indexes], distance)
        sizes = np.bincount(component)
        for group in np.flatnonzero(sizes >= min_size):
            members = indexes[component == group]
            if len(members) > MAX_COMPONENT:
                pending.append((members, distance * TIGHTEN))
            else:
                found.append(members)
    return found


def cluster(
    embeddings: np.ndarray,
    photos: Sequence[int],
    threshold: float,
    min_size: int,
    young: np.ndarray | None = None,
    young_threshold: float | None = None,
    *,
    linkage: str,
) -> np.ndarray:
    """A label per face (-1: unassigned); a label's faces are one new person, by the model's ``linkage``.

    A pair with a ``young`` face (a baby or child by the model's age estimate) must be closer than
    ``young_threshold`` instead: every embedding puts small children of different families close.
    """
    labels = np.full(len(embeddings), -1, dtype=int)
    if len(embeddings) < min_size:
        return labels
    photo_array = np.asarray(photos)
    next_label = 0
    for members in _bounded_components(embeddings, threshold, min_size):
        distances = pairwise(embeddings[members])
        if young is not None and young_threshold is not None:
            either = young[members][:, None] | young[members][None, :]
            distances = np.where(either, distances * (threshold / young_threshold), distances)
        same_photo = photo_array[members][:, None] == photo_array[members][None, :]
        np.fill_diagonal(same_photo, False)
        distances[same_photo] = FAR
        sub_labels = _capped_linkage(distances, threshold, linkage)
        for sub in np.unique(sub_labels):
            chosen = members[sub_labels == sub]
            if len(chosen) >= min_size:
                labels[chosen] = next_label
                next_label += 1
    return labels


class PersonIndex:
    """The faces of existing persons, to decide which person (if any) a new face clearly belongs to.

    The rows it is made with are kept as given (not copied: 100,000 faces' vectors are 400 MB) and counted
    person by person in one pass for many faces (``votes``); the faces an update joins go to a buffer grown by a
    quarter when full, so adding them costs about their own rows, and are folded into the one pass once there
    are more than ``FOLD`` of them."""

    def __init__(
        self,
        embeddings: np.ndarray,
        owners: Sequence[int],
        young: Sequence[bool] | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        """``rows``: the members are those rows of ``embeddings`` (a larger matrix, measured whole: cheaper than
        copying the members out of it), else every row."""
        self._set_base(embeddings, np.asarray(owners, np.int64), young, rows)
        self._added = np.zeros((16, embeddings.shape[1] if len(owners) else 0), np.float32)
        self._added_owners = np.zeros(16, np.int64)
        self._added_young = np.zeros(16, bool)
        self._count = 0

    def _set_base(
        self, embeddings: np.ndarray, owners: np.ndarray, young: Sequence[bool] | None, rows: np.ndarray | None
    ) -> None:
        """The members counted in ``votes``' one pass, person by person."""
        self._base = embeddings
        self._base_owners = owners
        self._base_young = np.zeros(len(owners), bool) if young is None else np.asarray(young, bool)
        order = self._order_of_owners = np.argsort(self._base_owners, kind="stable")
        self._order = order if rows is None else rows[order]  # rows of ``embeddings``, person by person
        self._sorted_young = self._base_young[order]
        self._persons, self._starts, sizes = np.unique(self._base_owners[order], return_index=True, return_counts=True)
        self._size_of = dict(zip(self._persons.tolist(), sizes.tolist(), strict=True))

    @property
    def embeddings(self) -> np.ndarray:
        """Every member's vector, those it was made with first, person by person (a copy)."""
        added = self._added[: self._count]
        return np.concatenate([self._base[self._order], added]) if len(self._base_owners) else added.copy()

    @property
    def owners(self) -> np.ndarray:
        """Every member's person, in the order of ``embeddings``."""
        return np.concatenate([self._base_owners[self._order_of_owners], self._added_owners[: self._count]])

    def votes(
        self, faces: np.ndarray, young: Sequence[bool], distance: float, young_distance: float | None = None
    ) -> np.ndarray | None:
        """How many of the members it was made with, person by person (rows), are close enough to each of
        ``faces`` (columns) to vote as ``best`` counts; None when it was made empty."""
        if self._count > FOLD:
            self._fold()
        if not len(self._base_owners):
            return None
        found = distances_to(self._base, faces.T)[self._order]
        close = found < distance
        if young_distance is not None:
            scaled = self._sorted_young[:, None] | np.asarray(young, bool)[None, :]
            close = np.where(scaled, found < young_distance, close)
        return np.add.reduceat(close, self._starts, axis=0, dtype=np.int32)

    def _fold(self) -> None:
        """Make the faces added since one with those it was made with (one copy of every member's vector), so
        that ``votes`` counts them in its one pass: a full regroup adds every face of its new persons."""
        young = np.concatenate([self._sorted_young, self._added_young[: self._count]])
        self._set_base(self.embeddings, self.owners, young, None)
        self._count = 0

    def add(self, embedding: np.ndarray, owner: int, young: bool = False) -> None:
        """Count a newly joined face as a member of its person."""
        if self._added.shape[1] != len(embedding):
            self._added = np.zeros((len(self._added), len(embedding)), np.float32)
        if self._count == len(self._added):
            grown = len(self._added) + max(16, len(self._added) // 4)
            self._added = np.concatenate([self._added, np.zeros((grown - self._count, len(embedding)), np.float32)])
            self._added_owners = np.concatenate([self._added_owners, np.zeros(grown - self._count, np.int64)])
            self._added_young = np.concatenate([self._added_young, np.zeros(grown - self._count, bool)])
        self._added[self._count], self._added_owners[self._count] = embedding, owner
        self._added_young[self._count] = young
        self._count += 1
        self._size_of[owner] = self._size_of.get(owner, 0) + 1

    def best(
        self,
        face: np.ndarray,
        distance: float,
        min_votes: int,
        excluded: set[int],
        young: bool = False,
        young_distance: float | None = None,
        votes: np.ndarray | None = None,
    ) -> int | None:
        """The one person with at least ``min_votes`` faces (all, when smaller) closer than ``distance``
        (``young_distance`` when the face or the voting member is young). ``votes``: the face's column of
        ``votes`` (counted before, in one pass for many faces); the faces added since are counted here.

        None when no person, or more than one, qualifies: an ambiguous face waits unassigned.
        """
        counted: dict[int, int] = {}
        if votes is None and len(self._base_owners):
            votes = self.votes(face[None, :], [young], distance, young_distance)[:, 0]  # type: ignore[index]
        if votes is not None:
            voters = np.flatnonzero(votes)
            counted = dict(zip(self._persons[voters].tolist(), votes[voters].tolist(), strict=True))
        if self._count:
            limits = np.full(self._count, distance)
            if young_distance is not None:
                limits[self._added_young[: self._count] | young] = young_distance
            close = distances_to(self._added[: self._count], face) < limits
            for person in self._added_owners[: self._count][close].tolist():
                counted[person] = counted.get(person, 0) + 1
        qualified = [
            person
            for person, count in counted.items()
            if count >= min(min_votes, self._size_of[person]) and person not in excluded
        ]
        return qualified[0] if len(qualified) == 1 else None
