"""Image decoding: formats, EXIF orientation and facts, draft mode, and refusal of bad images."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from recognize.media.errors import MediaError
from recognize.media.images import load_image, read_image_info
from tests.media_factory import jpeg_with_exif, png_bomb, png_zero_size, truncated_copy

LIMIT = 100_000_000


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "HEIF"])
def test_every_still_format_decodes(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"picture.{fmt.lower()}"
    Image.new("RGB", (120, 80), (10, 200, 30)).save(path, fmt)
    info = read_image_info(path, LIMIT, 16)
    decoded = load_image(path, LIMIT, 16)
    assert (info.width, info.height) == (120, 80)
    assert decoded.pixels.shape == (80, 120, 3)
    assert abs(int(decoded.pixels[40, 60, 1]) - 200) < 40


def test_exif_date_camera_and_gps(tmp_path: Path) -> None:
    info = read_image_info(jpeg_with_exif(tmp_path / "a.jpg", gps=(48.8584, -2.2945)), LIMIT, 16)
    assert info.taken_at == datetime(2021, 6, 5, 14, 30)
    assert (info.camera_make, info.camera_model) == ("TestCam", "Model 7")
    assert info.gps_lat == pytest.approx(48.8584, abs=1e-3)
    assert info.gps_lon == pytest.approx(-2.2945, abs=1e-3)


def test_orientation_is_applied(tmp_path: Path) -> None:
    path = jpeg_with_exif(tmp_path / "rotated.jpg", size=(400, 200), orientation=6)
    info = read_image_info(path, LIMIT, 16)
    decoded = load_image(path, LIMIT, 16)
    assert (info.width, info.height) == (200, 400)
    assert decoded.pixels.shape == (400, 200, 3)
    top, bottom = decoded.pixels[20, 100], decoded.pixels[380, 100]
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_draft_mode_decodes_fewer_pixels_and_reports_scale(test_media: Path) -> None:
    path = test_media / "photos" / "debian-opencv-doc" / "building.jpg"
    full = load_image(path, LIMIT, 16)
    small = load_image(path, LIMIT, 16, max_side=200)
    assert max(small.pixels.shape[:2]) <= 200
    assert small.scale == pytest.approx(full.pixels.shape[1] / small.pixels.shape[1])
    assert (small.original_width, small.original_height) == (full.pixels.shape[1], full.pixels.shape[0])


def _one_pixel(folder: Path) -> Path:
    Image.new("RGB", (1, 1)).save(folder / "one.png")
    return folder / "one.png"


def _written(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: png_bomb(folder / "bomb.png"), "exceeds the limit"),
        (lambda folder: png_zero_size(folder / "zero.png"), "not a readable image"),
        (_one_pixel, "too small"),
        (_written("empty.jpg", b""), "not a readable image"),
        (_written("text.jpg", b"hello, I am text"), "not a readable image"),
    ],
)
def test_bad_images_are_refused_with_a_reason(tmp_path: Path, make: Callable[[Path], Path], reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        read_image_info(make(tmp_path), LIMIT, 16)


def test_truncated_jpeg_is_refused(tmp_path: Path, test_media: Path) -> None:
    path = truncated_copy(test_media / "photos" / "debian-opencv-doc" / "fruits.jpg", tmp_path / "cut.jpg")
    with pytest.raises(MediaError, match="damaged"):
        read_image_info(path, LIMIT, 16)


def test_vanished_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="vanished"):
        read_image_info(tmp_path / "gone.jpg", LIMIT, 16)


def test_hostile_files_get_one_clear_error_each(tmp_path: Path) -> None:
    from recognize.media.probe import probe
    from tests.media_factory import jpeg_claiming, jpeg_with_huge_exif, wav_claiming

    with pytest.raises(MediaError, match="claims 10000x9999 pixels but holds only"):
        read_image_info(jpeg_claiming(tmp_path / "liar.jpg", 10000, 9999), 100_000_000, 16)
    with pytest.raises(MediaError, match="header declares 115200000 bytes of audio but the file holds 32000"):
        probe(wav_claiming(tmp_path / "liar.wav", 1.0, 3600.0), "audio")
    assert probe(wav_claiming(tmp_path / "honest.wav", 1.0, 1.0), "audio").duration == pytest.approx(1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = read_image_info(jpeg_with_huge_exif(tmp_path / "exif.jpg"), 100_000_000, 16)
    assert info.width == 64 and caught == []


def test_a_truncated_png_and_a_huge_image_name_the_reason_and_the_setting(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    noise = (np.random.default_rng(1).random((400, 600, 3)) * 255).astype("uint8")
    Image.fromarray(noise).save(tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="damaged or cut short"):
        read_image_info(tmp_path / "cut.png", LIMIT, 16, thumbnail_side=400)
    huge = png_bomb(tmp_path / "huge.png", side=20_000)
    with pytest.raises(MediaError, match=r"400,000,000 pixels exceeds the limit of 1,000 \(max_image_pixels"):
        read_image_info(huge, 1000, 16)
