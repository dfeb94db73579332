"""Clustering rules on real embeddings: accuracy on a labelled set, the same-photo rule, cautious joins."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from recognize.config import FaceSettings
from recognize.faces.clustering import FOLD, PersonIndex, cluster
from recognize.faces.detection import find_faces
from recognize.faces.thresholds import with_model_thresholds
from recognize.media.images import DecodedImage
from recognize.models.registry import EMBEDDERS, face_detector, face_embedder


@pytest.fixture(scope="module", params=sorted(EMBEDDERS))
def johns(test_media: Path, request: pytest.FixtureRequest) -> tuple[np.ndarray, list[str], FaceSettings]:
    """Embeddings of the 5 x 11 dlib 'johns' crops (padded so the detector sees some surroundings), by
    each embedder, with the settings holding that embedder's thresholds."""
    folder = test_media / "faces" / "dlib-johns"
    settings = with_model_thresholds(FaceSettings(embedder=request.param))
    detector, embedder = face_detector("hog"), face_embedder(request.param)
    vectors, names = [], []
    with (folder / "labels.csv").open() as handle:
        for row in csv.DictReader(handle):
            with Image.open(folder / row["file"]) as image:
                padded = ImageOps.expand(image.convert("RGB"), border=75, fill=(128, 128, 128))
            decoded = DecodedImage(np.asarray(padded), 1.0, padded.size[0], padded.size[1])
            faces = find_faces(decoded, detector, embedder, settings)
            vectors.append(np.frombuffer(faces[0].embedding, dtype=np.float32))
            names.append(row["file"].split("/")[0])
    return np.stack(vectors), names, settings


def test_labelled_identities_cluster_exactly(johns) -> None:
    embeddings, names, settings = johns
    labels = cluster(embeddings, list(range(len(names))), settings.cluster_distance, 2, linkage=settings.linkage)
    for name in set(names):
        assert len({labels[i] for i, other in enumerate(names) if other == name}) == 1
    assert len(set(labels)) == 5 and -1 not in labels


def test_same_photo_faces_are_never_one_person(johns) -> None:
    embeddings, names, settings = johns
    photos = [i // 2 for i in range(len(names))]
    labels = cluster(embeddings, photos, settings.cluster_distance, 2, linkage=settings.linkage)
    for photo in set(photos):
        members = [labels[i] for i, p in enumerate(photos) if p == photo and labels[i] >= 0]
        assert len(members) == len(set(members))


def test_small_groups_stay_unassigned(johns) -> None:
    embeddings, names, settings = johns
    one_each = [names.index(name) for name in sorted(set(names))]
    labels = cluster(embeddings[one_each], list(range(5)), settings.cluster_distance, 2, linkage=settings.linkage)
    assert (labels == -1).all()


def test_join_needs_agreement_and_refuses_ambiguity(johns) -> None:
    embeddings, names, settings = johns
    join = settings.join_distance
    salley = [i for i, name in enumerate(names) if name == "John_Salley"]
    simm = [i for i, name in enumerate(names) if name == "John_Simm"]
    index = PersonIndex(embeddings[salley[:5] + simm[:5]], [1] * 5 + [2] * 5)
    assert index.best(embeddings[salley[6]], join, 2, excluded=set()) == 1
    assert index.best(embeddings[simm[6]], join, 2, excluded=set()) == 2
    assert index.best(embeddings[salley[6]], join, 2, excluded={1}) is None
    both = PersonIndex(embeddings[salley[:5] + salley[:5]], [1] * 5 + [2] * 5)
    assert both.best(embeddings[salley[6]], join, 2, excluded=set()) is None


def test_faces_added_to_the_index_beyond_its_first_size_all_vote() -> None:
    rng = np.random.default_rng(5)
    centre = rng.normal(size=32)
    members = [(centre + rng.normal(size=32) * 0.1) for _ in range(40)]
    members = [(m / np.linalg.norm(m)).astype(np.float32) for m in members]
    other = rng.normal(size=(2, 32)).astype(np.float32)
    index = PersonIndex(other / np.linalg.norm(other, axis=1, keepdims=True), [1, 2])
    for member in members:
        index.add(member, 9)
    assert len(index.owners) == 42 and (index.owners[2:] == 9).all()
    assert np.allclose(index.embeddings[2:], np.stack(members))
    assert index.best(members[0], 0.5, 30, set()) == 9


def test_a_component_too_large_to_cluster_at_once_is_cut_tighter(monkeypatch: pytest.MonkeyPatch) -> None:
    from recognize.faces import clustering

    rng = np.random.default_rng(6)
    centres = rng.normal(size=(2, 64))
    centres[1] = centres[0] + rng.normal(size=64) * 0.35  # two look-alikes: one component at a loose cap
    faces = np.concatenate([centre + rng.normal(size=(20, 64)) * 0.12 for centre in centres])
    faces = (faces / np.linalg.norm(faces, axis=1, keepdims=True)).astype(np.float32)
    loose = 0.9
    assert len(clustering._bounded_components(faces, loose, 2)) == 1
    monkeypatch.setattr(clustering, "MAX_COMPONENT", 25)
    parts = clustering._bounded_components(faces, loose, 2)
    assert len(parts) >= 2 and all(len(part) <= 25 for part in parts)
    labels = cluster(faces, list(range(40)), loose, 2, linkage="average")
    assert all((labels == label).sum() <= 25 for label in set(labels.tolist()) - {-1})


def test_an_index_of_some_rows_of_a_larger_matrix_votes_as_one_of_those_rows_copied_out() -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(3, 32))
    matrix = np.concatenate([centre + rng.normal(size=(30, 32)) * 0.15 for centre in centres]).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    rows = np.array([i for i in range(90) if i % 30 < 20])
    owners = [int(i // 30) + 1 for i in rows]
    inside, copied = PersonIndex(matrix, owners, rows=rows), PersonIndex(matrix[rows], owners)
    assert np.array_equal(inside.embeddings, copied.embeddings)
    votes = inside.votes(matrix[25:27], [False, False], 0.6)
    assert np.array_equal(votes, copied.votes(matrix[25:27], [False, False], 0.6)) and votes[0, 0] >= 3
    assert inside.best(matrix[25], 0.6, 3, set(), votes=votes[:, 0]) == copied.best(matrix[25], 0.6, 3, set()) == 1
    inside.add(matrix[26], 1)
    assert inside.best(matrix[55], 0.6, 3, set()) == 2 and len(inside.owners) == 61


def test_votes_counted_in_one_pass_decide_as_the_rule_face_by_face() -> None:
    rng = np.random.default_rng(11)
    centres = rng.normal(size=(6, 16))
    matrix = np.concatenate([c + rng.normal(size=(12, 16)) * 0.35 for c in centres]).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    owners = np.repeat(np.array([30, 10, 50, 20, 60, 40]), 12)
    young = rng.random(len(owners)) < 0.3
    members = rng.permutation(len(owners))[:60]
    faces, faces_young = matrix, rng.random(len(matrix)) < 0.3
    index = PersonIndex(matrix, owners[members].tolist(), young[members].tolist(), rows=members)
    votes = index.votes(faces, faces_young.tolist(), 0.7, 0.5)
    outcomes = []
    for column, face in enumerate(faces):
        distances = np.sqrt(np.maximum(0.0, 2 - 2 * matrix[members] @ face))
        limits = np.where(young[members] | faces_young[column], 0.5, 0.7)
        voters, counts = np.unique(owners[members][distances < limits], return_counts=True)
        sizes = dict(zip(*np.unique(owners[members], return_counts=True), strict=True))
        qualified = [p for p, c in zip(voters, counts, strict=True) if c >= min(3, sizes[p]) and p != 20]
        expected = int(qualified[0]) if len(qualified) == 1 else None
        one_pass = index.best(face, 0.7, 3, {20}, bool(faces_young[column]), 0.5, votes=votes[:, column])
        alone = index.best(face, 0.7, 3, {20}, bool(faces_young[column]), 0.5)
        assert one_pass == alone == expected
        outcomes.append(expected)
    assert len(set(outcomes)) >= 4 and None in outcomes  # several persons chosen, and some faces left


def test_an_index_made_empty_counts_thousands_of_added_faces_in_its_one_pass() -> None:
    rng = np.random.default_rng(13)
    centres = rng.normal(size=(3, 16))
    added = np.concatenate([c + rng.normal(size=(FOLD, 16)) * 0.2 for c in centres]).astype(np.float32)
    added /= np.linalg.norm(added, axis=1, keepdims=True)
    index = PersonIndex(np.zeros((0, 0), np.float32), [])
    for number, vector in enumerate(added):
        index.add(vector, 1 + number // FOLD)
    faces = added[:: FOLD // 2]
    votes = index.votes(faces, [False] * len(faces), 0.5)
    assert votes is not None and votes.shape == (3, len(faces))
    assert [index.best(face, 0.5, 3, set(), votes=votes[:, n]) for n, face in enumerate(faces)] == [1, 1, 2, 2, 3, 3]
    assert len(index.owners) == 3 * FOLD and (np.sort(index.owners) == index.owners).all()
