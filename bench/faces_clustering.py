"""Clustering benchmark: accuracy on every labelled face set, and time at 10k / 50k / 100k faces.

Accuracy: pairwise precision, recall and F1 of same-person decisions (an unassigned face is its
own group), persons found vs true identities, faces left unassigned; each set alone and all
mixed together. Scale: synthetic identities made from the real embeddings (a real face plus a
large perturbation is a new identity; its faces are small perturbations of it), Zipf-sized; timed
for a full clustering of all faces and for joining 100 new faces to existing persons.

usage: python bench/faces_clustering.py [--sizes 10000 50000 100000] [--embedders faceres resnet]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from labelled_faces import LabelledSet, all_sets

from recognize.config import FaceSettings
from recognize.faces.clustering import PersonIndex, cluster
from recognize.faces.thresholds import with_model_thresholds
from recognize.models.registry import EMBEDDERS


def pairwise_scores(labels: np.ndarray, identities: list[str]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of 'same person' decisions."""
    truth = np.asarray(identities)
    upper = np.triu_indices(len(truth), 1)
    same = (truth[:, None] == truth[None, :])[upper]
    predicted = ((labels[:, None] == labels[None, :]) & (labels[:, None] >= 0))[upper]
    hits = int((same & predicted).sum())
    precision = hits / predicted.sum() if predicted.sum() else 1.0
    recall = hits / same.sum() if same.sum() else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0


def accuracy(settings: FaceSettings) -> list[LabelledSet]:
    sets = all_sets(settings)
    mixed = LabelledSet(
        "all sets mixed",
        np.concatenate([s.embeddings for s in sets]),
        [f"{s.name}:{identity}" for s in sets for identity in s.identities],
        sum(s.missed for s in sets),
    )
    print(
        f"{'set':18} {'faces':>5} {'ids':>4} {'persons':>7} {'unassigned':>10} {'precision':>9} {'recall':>6} {'F1':>5}"
    )
    for labelled in [*sets, mixed]:
        labels = cluster(
            labelled.embeddings,
            list(range(len(labelled.identities))),
            settings.cluster_distance,
            2,
            linkage=settings.linkage,
        )
        precision, recall, f1 = pairwise_scores(labels, labelled.identities)
        print(
            f"{labelled.name:18} {len(labels):5} {len(set(labelled.identities)):4} {len(set(labels) - {-1}):7} "
            f"{int((labels < 0).sum()):10} {precision:9.3f} {recall:6.3f} {f1:5.3f}"
        )
    return sets


def synthetic(real: np.ndarray, count: int, rng: np.random.Generator, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """``count`` faces of Zipf-sized synthetic identities derived from real embeddings; ``spread`` scales the
    perturbations so they keep their relation to the model's threshold (1 for dlib's 128-d at 0.42)."""
    sizes = np.minimum(rng.zipf(1.6, size=count), count // 20) + 1
    sizes = sizes[np.cumsum(sizes) <= count]
    identities = real[rng.integers(0, len(real), len(sizes))] + rng.normal(
        0, 0.06 * spread, (len(sizes), real.shape[1])
    )
    identities /= np.linalg.norm(identities, axis=1, keepdims=True)
    owners = np.repeat(np.arange(len(sizes)), sizes)
    faces = identities[owners] + rng.normal(0, 0.018 * spread, (len(owners), real.shape[1]))
    faces /= np.linalg.norm(faces, axis=1, keepdims=True)
    return faces.astype(np.float32), owners


def scale(real: np.ndarray, sizes: list[int], settings: FaceSettings) -> None:
    rng = np.random.default_rng(7)
    header = f"{'faces':>7} {'identities':>10} {'full clustering s':>17} {'join 100 new ms':>15}"
    print(f"\n{header} {'precision':>9} {'recall':>6}")
    for count in sizes:
        spread = (settings.cluster_distance or 0.42) / 0.42 * np.sqrt(128 / real.shape[1])
        faces, owners = synthetic(real, count, rng, spread)
        started = time.perf_counter()
        labels = cluster(
            faces,
            list(range(len(faces))),
            settings.cluster_distance,
            settings.min_faces_per_person,
            linkage=settings.linkage,
        )
        full = time.perf_counter() - started
        index = PersonIndex(faces[labels >= 0], labels[labels >= 0])
        started = time.perf_counter()
        for face in faces[:100]:
            index.best(face, settings.join_distance, settings.join_min_votes, set())
        join_ms = (time.perf_counter() - started) * 1000
        sample = rng.choice(len(faces), min(len(faces), 4000), replace=False)
        precision, recall, _ = pairwise_scores(labels[sample], [str(o) for o in owners[sample]])
        print(f"{len(faces):7} {owners.max() + 1:10} {full:17.1f} {join_ms:15.0f} {precision:9.3f} {recall:6.3f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 100_000])
    parser.add_argument("--embedders", nargs="*", default=sorted(EMBEDDERS), help="accuracy for each (scale: first)")
    args = parser.parse_args()
    sets = []
    for embedder in args.embedders:
        settings = with_model_thresholds(FaceSettings(embedder=embedder))
        print(f"\n{embedder}: cluster_distance {settings.cluster_distance}, join_distance {settings.join_distance}")
        sets.append((settings, accuracy(settings)))
    settings, first = sets[0]
    scale(np.concatenate([s.embeddings for s in first]), args.sizes, settings)


if __name__ == "__main__":
    main()
