"""``recognize doctor``: what this machine offers and what recognize will use."""

from __future__ import annotations

import importlib.util
import os
import platform
from pathlib import Path
from typing import Any

import dlib

from recognize.config import Settings
from recognize.models import faceres_embedder
from recognize.models.dlib_weights import MMOD, RESNET, SHAPE_PREDICTOR_5, checksum, weights_path
from recognize.models.efficientnet_lite0 import ONNX_FILE, ONNX_SHA256
from recognize.models.musicnn import MusicnnMsd, MusicnnMtt
from recognize.models.onnx_session import WEIGHTS

BUNDLED = (
    (ONNX_FILE, ONNX_SHA256),
    (MusicnnMtt.onnx_file, MusicnnMtt.onnx_sha256),
    (MusicnnMsd.onnx_file, MusicnnMsd.onnx_sha256),
    (faceres_embedder.ONNX_FILE, faceres_embedder.ONNX_SHA256),
)

CPU_FEATURES = ("sse4_2", "avx", "avx2", "avx512f", "fma", "neon", "asimd")


def _cpu_features() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = {word for line in text.splitlines() if line.startswith(("flags", "Features")) for word in line.split()}
    return [feature for feature in CPU_FEATURES if feature in flags]


def _onnxruntime() -> dict[str, Any]:
    if importlib.util.find_spec("onnxruntime") is None:
        return {"installed": False, "providers": [], "used": None}
    import onnxruntime

    from recognize.models.onnx_session import providers

    available = onnxruntime.get_available_providers()
    return {"installed": True, "version": onnxruntime.__version__, "providers": available, "used": providers()[0]}


def _redact(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':')[0]}:***@{host}" if ":" in credentials else url


def report(settings: Settings) -> dict[str, Any]:
    """Everything doctor prints, as data."""
    models = []
    for name in (SHAPE_PREDICTOR_5, RESNET, MMOD):
        try:
            path = weights_path(name)
            models.append({"file": name, "path": str(path), "bytes": path.stat().st_size, "sha256": checksum(path)})
        except FileNotFoundError as error:
            models.append({"file": name, "error": str(error)})
    for name, recorded in BUNDLED:
        path = WEIGHTS / name
        digest = checksum(path)
        models.append(
            {
                "file": name,
                "path": str(path),
                "bytes": path.stat().st_size,
                "sha256": digest,
                "intact": digest == recorded,
            }
        )
    cuda_devices = dlib.cuda.get_num_devices() if dlib.DLIB_USE_CUDA else 0
    return {
        "machine": {"platform": platform.platform(), "cpu_cores": os.cpu_count(), "cpu_features": _cpu_features()},
        "dlib": {"version": dlib.__version__, "cuda": bool(dlib.DLIB_USE_CUDA), "cuda_devices": cuda_devices},
        "onnxruntime": _onnxruntime(),
        "models": models,
        "database": _redact(settings.resolved_database_url),
        "queue": _redact(settings.resolved_queue_url),
        "workers": settings.workers,
        "home": str(settings.home),
    }
