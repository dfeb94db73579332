"""onnxruntime sessions for the bundled models: CUDA when onnxruntime-gpu offers it, else the CPU, with the
worker's thread budget."""

from __future__ import annotations

import os
from pathlib import Path

import onnxruntime

from recognize.models.dlib_weights import checksum

WEIGHTS = Path(__file__).with_name("weights")


def weights_file(name: str, sha256: str) -> Path:
    """A file shipped in ``recognize/models/weights``, refused when its checksum is not the recorded one."""
    path = WEIGHTS / name
    digest = checksum(path)
    if digest != sha256:
        raise RuntimeError(f"{path}: checksum {digest} is not the recorded {sha256}; reinstall recognize")
    return path


def providers() -> list[str]:
    """The execution providers sessions use: CUDA first when this onnxruntime offers it (onnxruntime-gpu)."""
    available = onnxruntime.get_available_providers()
    return [name for name in ("CUDAExecutionProvider", "CPUExecutionProvider") if name in available]


def inference_session(path: Path) -> onnxruntime.InferenceSession:
    """A session on the best provider offered, with as many CPU threads as the worker was given
    (OMP_NUM_THREADS, default 1)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=providers())
