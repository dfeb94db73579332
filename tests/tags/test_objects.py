"""Object and scene tags on real photos, through the job system, on both databases."""

from __future__ import annotations

import shutil
from pathlib import Path

from recognize.app import App
from tests.tags.helpers import exported_files, tag_names


def test_photos_get_object_tags_with_model_and_score(app: App, shared_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    for name in ("debian-python3-skimage/chelsea.png", "dlib-ffmpeg_data/dog.jpg", "debian-opencv-doc/fruits.jpg"):
        shutil.copy(shared_data / "photos" / name, root)
    app.process(root)
    files = exported_files(app)
    assert "cat" in tag_names(files["chelsea.png"], "object")
    assert "dog" in tag_names(files["dog.jpg"], "object")
    assert "cat" not in tag_names(files["dog.jpg"])
    for tag in files["chelsea.png"]["tags"]:
        assert tag["model"] == "efficientnet-lite0-0.1.0"
        assert 0.15 <= tag["score"] <= 1.0
    before = files["chelsea.png"]["tags"]
    app.process(root)
    assert exported_files(app)["chelsea.png"]["tags"] == before
