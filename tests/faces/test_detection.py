"""Face detection and description on real photos: boxes on the upright original, gates, working size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from recognize.config import FaceSettings
from recognize.faces.detection import detect_faces, find_faces, scan_doublings
from recognize.media.images import load_image
from recognize.models.registry import face_detector, face_embedder

LIMIT = 100_000_000


@pytest.fixture(scope="module")
def models():
    return face_detector("hog"), face_embedder(FaceSettings().embedder)


def _faces(path: Path, models, **gates):
    settings = FaceSettings(**gates)
    decoded = load_image(path, LIMIT, 16, settings.working_size)
    return find_faces(decoded, *models, settings)


@pytest.mark.parametrize(("embedder", "dimensions", "ages"), [("resnet", 128, False), ("faceres", 1024, True)])
def test_group_photo_finds_every_face(test_media: Path, embedder: str, dimensions: int, ages: bool) -> None:
    models = face_detector("hog"), face_embedder(embedder)
    faces = _faces(test_media / "faces" / "dlib-faces" / "bald_guys.jpg", models)
    assert len(faces) >= 4
    for face in faces:
        vector = np.frombuffer(face.embedding, dtype=np.float32)
        assert vector.shape == (dimensions,) and abs(np.linalg.norm(vector) - 1) < 1e-4
        assert len(face.landmarks) == 5 and face.thumbnail[:2] == b"\xff\xd8"
        assert face.embedding_model == models[1].name
        assert (face.age is not None and 15 < face.age < 90) if ages else face.age is None


def test_photo_without_faces(test_media: Path, models) -> None:
    assert _faces(test_media / "photos" / "debian-opencv-doc" / "fruits.jpg", models) == []


def test_working_size_keeps_boxes_in_original_pixels(test_media: Path, models) -> None:
    path = test_media / "faces" / "face_recognition" / "examples" / "obama-1080p.jpg"
    full = _faces(path, models, working_size=4000)
    small = _faces(path, models, working_size=800, upsample=1)
    assert len(full) == len(small) == 1
    assert np.allclose(full[0].landmarks, small[0].landmarks, atol=0.03 * full[0].box[2])
    assert np.allclose(full[0].box, small[0].box, atol=0.12 * full[0].box[2])


def test_rotated_exif_photo_is_boxed_upright(test_media: Path, models, tmp_path: Path) -> None:
    source = test_media / "faces" / "face_recognition" / "examples" / "obama.jpg"
    upright = _faces(source, models)
    with Image.open(source) as image:
        stored = image.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = 6
        stored.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    rotated = _faces(tmp_path / "rotated.jpg", models)
    assert len(upright) == len(rotated) == 1
    assert np.allclose(upright[0].box, rotated[0].box, atol=4)


def test_quality_gates_keep_small_faces_out_of_clustering(test_media: Path, models) -> None:
    path = test_media / "faces" / "face_recognition" / "examples" / "obama_small.jpg"
    kept = _faces(path, models)
    gated = _faces(path, models, min_face_px=10_000)
    assert kept[0].clusterable and not gated[0].clusterable
    assert not _faces(path, models, max_blur=0.0)[0].clusterable


def test_detector_doubles_only_images_that_stay_within_scan_size() -> None:
    gates = FaceSettings(upsample=1, scan_size=1600)
    assert scan_doublings(500, gates) == scan_doublings(800, gates) == 1
    assert scan_doublings(801, gates) == scan_doublings(4000, gates) == 0
    assert scan_doublings(300, FaceSettings(upsample=2, scan_size=1600)) == 2
    assert scan_doublings(500, FaceSettings(upsample=0)) == 0


def test_scan_size_decides_which_small_faces_are_found(test_media: Path, models) -> None:
    pixels = load_image(test_media / "faces" / "dlib-faces" / "bald_guys.jpg", LIMIT, 16, 500).pixels
    assert max(pixels.shape[:2]) == 500
    doubled = detect_faces(pixels, models[0], FaceSettings(scan_size=1000))
    as_decoded = detect_faces(pixels, models[0], FaceSettings(scan_size=999))
    assert len(doubled) >= 20 and len(as_decoded) <= 5
