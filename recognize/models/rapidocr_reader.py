"""RapidOCR (Apache-2.0): PP-OCR detection and recognition ONNX models shipped inside the ``rapidocr`` wheel."""

from __future__ import annotations

import logging
import os

import numpy as np

from recognize.models.base import Label, TextReader


class RapidOcr(TextReader):
    """Printed text lines in reading order, each with its recognition confidence."""

    name = "rapidocr-3.10.0"

    def load(self) -> object:
        from rapidocr import RapidOCR

        threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
        engine = RapidOCR(
            params={
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        return engine

    def read(self, pixels: np.ndarray) -> list[Label]:
        output = self.loaded(pixels)
        if not output.txts:
            return []
        return [Label(text, float(score)) for text, score in zip(output.txts, output.scores, strict=True)]
