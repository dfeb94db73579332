"""Clustering thresholds per embedding model: distances of one model mean nothing to another."""

from __future__ import annotations

from recognize.config import FaceSettings
from recognize.models.registry import EMBEDDERS


def with_model_thresholds(settings: FaceSettings) -> FaceSettings:
    """``settings`` with the distances set: the given ones, else the embedder's (``child_distance`` stays None
    for a model that estimates no age)."""
    embedder = EMBEDDERS[settings.embedder]
    return settings.model_copy(
        update={
            "cluster_distance": settings.cluster_distance or embedder.cluster_distance,
            "join_distance": settings.join_distance or embedder.join_distance,
            "child_distance": settings.child_distance or embedder.child_distance,
            "suggest_distance": settings.suggest_distance or embedder.suggest_distance,
            "linkage": settings.linkage or embedder.linkage,
        }
    )


def embedding_model(settings: FaceSettings) -> str:
    """The name (with version) of the model whose embeddings these settings cluster."""
    return EMBEDDERS[settings.embedder].name
