"""Small media files made by the tests themselves: EXIF photos, bombs, damaged and degenerate files."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

from PIL import ExifTags, Image


def jpeg_with_exif(
    path: Path,
    size: tuple[int, int] = (400, 200),
    orientation: int = 1,
    gps: tuple[float, float] | None = None,
) -> Path:
    """A JPEG whose left half is red and right half blue, with date, camera, orientation and GPS."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Model] = "Model 7"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2021:06:05 14:30:00"
    if gps:
        lat, lon = gps
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
                ExifTags.GPS.GPSLatitude: _dms(abs(lat)),
                ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
                ExifTags.GPS.GPSLongitude: _dms(abs(lon)),
            }
        )
    image.save(path, "JPEG", exif=exif, quality=90)
    return path


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 2)
    return (Fraction(degrees), Fraction(minutes), Fraction(seconds).limit_denominator(100))


def png_bomb(path: Path, side: int = 12_000) -> Path:
    """A small PNG that would decode to ``side``² pixels."""
    Image.new("1", (side, side)).save(path, "PNG", optimize=True)
    return path


def png_zero_size(path: Path) -> Path:
    """A PNG whose header claims 0x0 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )
    return path


def truncated_copy(source: Path, path: Path, keep: float = 0.5) -> Path:
    """The first part of a real file."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path
