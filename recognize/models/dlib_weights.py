"""Where the dlib weights of ``face-recognition-models`` are, found by the package's folder (no pkg_resources)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

SHAPE_PREDICTOR_5 = "shape_predictor_5_face_landmarks.dat"
RESNET = "dlib_face_recognition_resnet_model_v1.dat"
MMOD = "mmod_human_face_detector.dat"


def weights_path(name: str) -> Path:
    """Absolute path of one weights file; raises FileNotFoundError naming the package to install."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("package face-recognition-models is not installed")
    path = Path(spec.origin).parent / "models" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from face-recognition-models")
    return path


def checksum(path: Path) -> str:
    """SHA-256 of a weights file, for `doctor`-style reports."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
