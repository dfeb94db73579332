"""Thumbnails kept in the data folder: a 400 px JPEG per file and content, made once.

The metadata analysis makes an image's thumbnail from the decode that proves the image whole, so
pages never decode originals; the API makes the rest (videos, older files) on first request.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import numpy as np
from PIL import Image

THUMBNAIL_SIDE = 400
QUALITY = 80


def thumbnail_path(folder: Path, file_id: int, content_hash: str | None) -> Path:
    """Where the thumbnail of this file's current content is kept."""
    return folder / f"{file_id}-{(content_hash or '')[:16]}.jpg"


def jpeg_bytes(pixels: np.ndarray) -> bytes:
    """RGB pixels as a JPEG thumbnail."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=QUALITY)
    return buffer.getvalue()


def keep(path: Path, data: bytes) -> None:
    """Write a thumbnail atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
    partial.write_bytes(data)
    partial.replace(path)
