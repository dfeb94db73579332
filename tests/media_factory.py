"""Small media files made by the tests themselves: EXIF photos, bombs, damaged and degenerate files."""

from __future__ import annotations

import io
import struct
import wave
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


def video_from_photos(path: Path, photos: list[Path], seconds_each: float = 2.0, fps: int = 5) -> Path:
    """An H.264 MP4 showing each photo in turn (faces in video: the photos' people appear in its frames)."""
    import av

    frames = [Image.open(photo).convert("RGB") for photo in photos]
    width, height = 640, 480
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for image in frames:
            canvas = Image.new("RGB", (width, height))
            image.thumbnail((width, height))
            canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
            for _ in range(int(seconds_each * fps)):
                container.mux(stream.encode(av.VideoFrame.from_image(canvas)))
        container.mux(stream.encode(None))
    return path


def audio_only_mp4(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    """An MP4 that holds only an AAC audio stream: a "video" with no video stream."""
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate)
        samples = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
        for start in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(samples[np.newaxis, start : start + 1024], format="flt", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def zero_length_clip(path: Path) -> Path:
    """A WAV file with a valid header and no samples."""
    import wave

    with wave.open(str(path), "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(16000)
    return path


def corrupt_copy(source: Path, path: Path) -> Path:
    """The source's header followed by garbage: a damaged audio or video file with the right magic bytes."""
    data = source.read_bytes()
    path.write_bytes(data[:200] + bytes((i * 37) % 251 for i in range(20_000)))
    return path


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """A small real JPEG whose frame header claims ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    frame = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, frame + 5, height, width)
    path.write_bytes(bytes(data))
    return path


def wav_claiming(path: Path, seconds: float, claimed_seconds: float, rate: int = 16000) -> Path:
    """A 16-bit mono WAV of ``seconds`` whose header claims ``claimed_seconds``."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00" * int(seconds * rate))
    data = bytearray(path.read_bytes())
    claimed = int(claimed_seconds * rate * 2)
    struct.pack_into("<I", data, 4, claimed + 36)
    struct.pack_into("<I", data, data.find(b"data") + 4, claimed)
    path.write_bytes(bytes(data))
    return path


def jpeg_with_huge_exif(path: Path, tags: int = 5000) -> Path:
    """A valid JPEG whose EXIF block holds ``tags`` entries pointing past its end (each one a Pillow warning)."""
    entries = b"".join(struct.pack("<HHII", 0x8000 + index, 4, 1000, 0x7FFF0000) for index in range(tags))
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", tags) + entries + b"\x00\x00\x00\x00"
    Image.new("RGB", (64, 48), (10, 120, 10)).save(path, "JPEG", exif=b"Exif\x00\x00" + tiff)
    return path
