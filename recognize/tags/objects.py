"""Objects and scenes: ImageNet-1000 classes above a threshold, plus everyday tags ("cat", "beach", "car")."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np

from recognize.config import ObjectSettings
from recognize.models.base import Label

EVERYDAY_TAGS = Path(__file__).with_name("everyday_tags.toml")
KIND = "object"


@cache
def everyday_tags() -> dict[str, list[int]]:
    """Everyday tag -> the ImageNet class indices it covers (``everyday_tags.toml``)."""
    table = tomllib.loads(EVERYDAY_TAGS.read_text(encoding="utf-8"))
    tags = {}
    for tag, items in table.items():
        indices: list[int] = []
        for item in items:
            first, _, last = item.partition("-")
            indices.extend(range(int(first), int(last or first) + 1))
        tags[tag] = sorted(set(indices))
    return tags


def labels_from(probabilities: np.ndarray, classes: list[str], settings: ObjectSettings) -> list[Label]:
    """The top-k fine classes and the everyday tags whose probability reaches the threshold, best first."""
    fine: dict[str, float] = {}
    for index in np.argsort(probabilities)[::-1][: settings.top_k]:
        fine[classes[index]] = fine.get(classes[index], 0.0) + float(probabilities[index])
    everyday = {tag: float(probabilities[indices].sum()) for tag, indices in everyday_tags().items()}
    labels = {name: score for name, score in fine.items() if score >= settings.threshold}
    for tag, score in everyday.items():
        if score >= settings.threshold:
            labels[tag] = max(score, labels.get(tag, 0.0))
    return sorted((Label(name, round(score, 4)) for name, score in labels.items()), key=lambda label: -label.score)
