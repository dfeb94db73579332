"""dlib's CNN (MMOD) face detector: finds tilted and small faces the HOG detector misses; slow on a CPU."""

from __future__ import annotations

import dlib
import numpy as np

from recognize.models.base import Box, Detection, FaceDetector
from recognize.models.dlib_weights import MMOD, weights_path


class MmodDetector(FaceDetector):
    """dlib.cnn_face_detection_model_v1 with the mmod_human_face_detector weights."""

    name = "dlib-mmod"

    def load(self) -> dlib.cnn_face_detection_model_v1:
        return dlib.cnn_face_detection_model_v1(str(weights_path(MMOD)))

    def detect(self, pixels: np.ndarray, upsample: int) -> list[Detection]:
        found = [
            Detection(Box(d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()), float(d.confidence))
            for d in self.loaded(pixels, upsample)
        ]
        return sorted(found, key=lambda detection: -detection.score)
