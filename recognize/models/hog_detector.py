"""dlib's HOG + linear SVM frontal face detector: fast on a CPU, misses strongly tilted heads."""

from __future__ import annotations

import dlib
import numpy as np

from recognize.models.base import Box, Detection, FaceDetector


class HogDetector(FaceDetector):
    """dlib.get_frontal_face_detector; score is the SVM margin (0 = detection threshold)."""

    name = "dlib-hog"

    def load(self) -> dlib.fhog_object_detector:
        return dlib.get_frontal_face_detector()

    def detect(self, pixels: np.ndarray, upsample: int) -> list[Detection]:
        rects, scores, _kinds = self.loaded.run(pixels, upsample, 0.0)
        found = [
            Detection(Box(r.left(), r.top(), r.right(), r.bottom()), float(s))
            for r, s in zip(rects, scores, strict=True)
        ]
        return sorted(found, key=lambda detection: -detection.score)
