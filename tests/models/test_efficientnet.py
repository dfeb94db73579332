"""EfficientNet-Lite0 on onnxruntime: real photos get their expected classes; weights are checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recognize.config import ObjectSettings
from recognize.models import onnx_session
from recognize.models.efficientnet_lite0 import ONNX_FILE, EfficientNetLite0, preprocess, read_classes
from recognize.tags.objects import everyday_tags, labels_from

PHOTOS = {
    "debian-python3-skimage/chelsea.png": "cat",
    "debian-python3-skimage/coffee.png": "coffee",
    "dlib-ffmpeg_data/dog.jpg": "dog",
    "dlib-ffmpeg_data/eagle.jpg": "bird",
    "debian-opencv-doc/orange.jpg": "orange",
}


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize(("name", "expected"), sorted(PHOTOS.items()))
def test_expected_label_among_top_tags(test_media: Path, name: str, expected: str) -> None:
    classifier = EfficientNetLite0()
    probabilities = classifier.classify(_pixels(test_media / "photos" / name))
    assert probabilities.shape == (1000,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    labels = labels_from(probabilities, classifier.classes, ObjectSettings(top_k=5))
    assert expected in [label.name for label in labels[:5]]


def test_preprocessing_is_centre_crop_of_short_side(test_media: Path) -> None:
    batch = preprocess(_pixels(test_media / "photos" / "dlib-ffmpeg_data" / "giraffe.jpg"))
    assert batch.shape == (1, 3, 224, 224)
    assert batch.dtype == np.float32
    assert batch.min() >= -1.0 and batch.max() <= 1.0


def test_class_list_and_everyday_mapping() -> None:
    classes = read_classes()
    assert len(classes) == 1000
    assert (classes[0], classes[281], classes[207]) == ("tench", "tabby", "golden retriever")
    tags = everyday_tags()
    assert all(0 <= index < 1000 for indices in tags.values() for index in indices)
    assert 207 in tags["dog"] and 281 in tags["cat"] and 978 in tags["beach"]


def test_tampered_weights_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ONNX_FILE).write_bytes(b"not the exported model")
    monkeypatch.setattr(onnx_session, "WEIGHTS", tmp_path)
    with pytest.raises(RuntimeError, match="checksum"):
        EfficientNetLite0().classify(np.zeros((300, 300, 3), np.uint8))
