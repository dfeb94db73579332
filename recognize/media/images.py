"""Image decoding: every still format Pillow (and pillow-heif) reads, upright, size-guarded."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import ExifTags, Image, ImageOps

from recognize.media.errors import MediaError

pillow_heif.register_heif_opener()

ORIENTATION_TRANSPOSED = {5, 6, 7, 8}


@dataclass(frozen=True)
class ImageInfo:
    """Header facts of an image: upright size, EXIF date, camera and GPS."""

    width: int
    height: int
    taken_at: datetime | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    thumbnail: np.ndarray | None = None


@dataclass(frozen=True)
class DecodedImage:
    """Upright RGB pixels plus the factor from these pixels back to the original upright size."""

    pixels: np.ndarray
    scale: float
    original_width: int
    original_height: int


def _open(path: Path, max_pixels: int, min_side: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(path)
    except Image.DecompressionBombError as error:
        claimed = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(claimed.group(1)):,} pixels" if claimed else "its size"
        raise MediaError(
            f"refused: {size} exceeds the limit of {max_pixels:,} (max_image_pixels; decompression bomb?)"
        ) from error
    except FileNotFoundError as error:
        raise MediaError("file vanished before it could be read") from error
    except PermissionError as error:
        raise MediaError("permission denied") from error
    except (Image.UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise MediaError(f"not a readable image: {error}") from error
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise MediaError(f"refused: {width}x{height} pixels exceeds the limit of {max_pixels} (decompression bomb?)")
    if min(width, height) < min_side:
        image.close()
        raise MediaError(f"image too small to analyse: {width}x{height} pixels (minimum side {min_side})")
    return image


def _upright_size(image: Image.Image) -> tuple[int, int]:
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    width, height = image.size
    return (height, width) if orientation in ORIENTATION_TRANSPOSED else (width, height)


def _exif_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip("\x00 ").strip()
    return text[:128] or None


def _exif_datetime(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _gps_degrees(dms: object, ref: object) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper().startswith(("S", "W")) else value


def _exif_facts(image: Image.Image) -> dict[str, object]:
    exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    taken = (
        details.get(ExifTags.Base.DateTimeOriginal)
        or details.get(ExifTags.Base.DateTimeDigitized)
        or exif.get(ExifTags.Base.DateTime)
    )
    return {
        "taken_at": _exif_datetime(taken) if taken else None,
        "camera_make": _exif_text(exif.get(ExifTags.Base.Make)),
        "camera_model": _exif_text(exif.get(ExifTags.Base.Model)),
        "gps_lat": _gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
        if gps
        else None,
        "gps_lon": _gps_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
        if gps
        else None,
    }


def _check_jpeg_size(image: Image.Image, path: Path) -> None:
    """Refuse a JPEG too small for the pixels it claims: every 8x8 block of the luma plane costs at least
    one bit of entropy-coded data, so a file under ``pixels / 512`` bytes lies about its size or is cut."""
    if image.format != "JPEG":
        return
    size, pixels = path.stat().st_size, image.size[0] * image.size[1]
    if size < pixels / JPEG_MIN_PIXELS_PER_BYTE:
        raise MediaError(
            f"claims {image.size[0]}x{image.size[1]} pixels but holds only {size} bytes: "
            "the header lies or the data is cut short"
        )


def read_image_info(
    path: Path, max_pixels: int, min_side: int, verify: bool = True, thumbnail_side: int | None = None
) -> ImageInfo:
    """Read size and EXIF facts; with ``verify``, decode the pixels once (at reduced size) to prove they are whole,
    and with ``thumbnail_side`` keep that decode as upright thumbnail pixels.

    Warnings about malformed metadata are not printed (one bad EXIF block can hold thousands)."""
    with _open(path, max_pixels, min_side) as image, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check_jpeg_size(image, path)
        try:  # metadata can sit after the pixels (PNG eXIf), so reading it may hit a damaged file too
            width, height = _upright_size(image)
            facts = _exif_facts(image)
            thumbnail = None
            if verify:
                side = thumbnail_side or max(1, max(image.size) // 8)
                image.draft("RGB", (side, side))
                if thumbnail_side:
                    thumbnail = np.asarray(_upright(image, thumbnail_side))
                else:
                    _reduced(image, side)
        except (OSError, ValueError, SyntaxError) as error:
            raise MediaError(f"image data is damaged or cut short: {error}") from error
    return ImageInfo(width=width, height=height, **facts, thumbnail=thumbnail)  # type: ignore[arg-type]


JPEG_MIN_PIXELS_PER_BYTE = 512
REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA", "CMYK"})


def _reduced(image: Image.Image, max_side: int | None) -> Image.Image:
    """The decoded image shrunk by a whole factor towards ``max_side`` before any copy is made of it, so a
    huge PNG costs one full-size buffer, not one per conversion."""
    image.load()
    factor = max(image.size) // max_side if max_side else 1
    if factor < 2:
        return image
    return (image if image.mode in REDUCIBLE_MODES else image.convert("RGB")).reduce(factor)


def _upright(image: Image.Image, max_side: int | None) -> Image.Image:
    """The decoded image as upright RGB, no larger than ``max_side``."""
    upright = ImageOps.exif_transpose(_reduced(image, max_side).convert("RGB"))
    if max_side and max(upright.size) > max_side:
        upright.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return upright


def load_image(path: Path, max_pixels: int, min_side: int, max_side: int | None = None) -> DecodedImage:
    """Decode upright RGB pixels, no larger than ``max_side`` (JPEG draft mode decodes at reduced size)."""
    with _open(path, max_pixels, min_side) as image, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check_jpeg_size(image, path)
        try:
            original_width, original_height = _upright_size(image)
            if max_side and max(image.size) > max_side:
                ratio = max_side / max(image.size)
                image.draft("RGB", (round(image.size[0] * ratio), round(image.size[1] * ratio)))
            upright = _upright(image, max_side)
        except (OSError, ValueError, SyntaxError) as error:
            raise MediaError(f"image data is damaged or cut short: {error}") from error
    scale = original_width / upright.size[0]
    return DecodedImage(np.asarray(upright), scale, original_width, original_height)
