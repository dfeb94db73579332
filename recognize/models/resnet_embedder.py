"""dlib's ResNet face descriptor (128-d, 99.38% on LFW), aligned with the 5-point shape predictor."""

from __future__ import annotations

import dlib
import numpy as np

from recognize.models.base import Box, FaceDescription, FaceEmbedder
from recognize.models.dlib_weights import RESNET, SHAPE_PREDICTOR_5, weights_path


class ResnetEmbedder(FaceEmbedder):
    """5-point alignment, then dlib_face_recognition_resnet_model_v1 with one jitter."""

    name = "dlib-resnet-v1"
    cluster_distance = 0.42
    join_distance = 0.40
    suggest_distance = 0.5

    def load(self) -> tuple[dlib.shape_predictor, dlib.face_recognition_model_v1]:
        return (
            dlib.shape_predictor(str(weights_path(SHAPE_PREDICTOR_5))),
            dlib.face_recognition_model_v1(str(weights_path(RESNET))),
        )

    def describe(self, pixels: np.ndarray, box: Box) -> FaceDescription:
        predictor, network = self.loaded
        shape = predictor(pixels, dlib.rectangle(box.left, box.top, box.right, box.bottom))
        landmarks = [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(shape.num_parts)]
        vector = np.asarray(network.compute_face_descriptor(pixels, shape, 1), dtype=np.float32)
        return FaceDescription(landmarks, vector / max(float(np.linalg.norm(vector)), 1e-12))
