"""Object and scene tags on real photos, through the job system, on both databases."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from recognize.app import App
from recognize.cli import cli
from recognize.config import load_settings
from tests.tags.helpers import exported_files, tag_names


def test_photos_get_object_tags_with_model_and_score(app: App, test_media: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    for name in ("debian-python3-skimage/chelsea.png", "dlib-ffmpeg_data/dog.jpg", "debian-opencv-doc/fruits.jpg"):
        shutil.copy(test_media / "photos" / name, root)
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


def test_reanalyse_applies_new_settings_and_refuses_unknown_analyses(tmp_path: Path, test_media: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    shutil.copy(test_media / "photos/debian-python3-skimage/chelsea.png", root)
    home = tmp_path / "home"
    app = App(load_settings(home=home, workers=1))
    app.process(root)
    assert len(exported_files(app)["chelsea.png"]["tags"]) > 1
    app.close()
    strict = App(load_settings(home=home, workers=1, tags={"objects": {"threshold": 0.9}}))
    result = CliRunner().invoke(cli, ["--data-dir", str(home), "reanalyse", "objects"])
    assert result.exit_code == 0 and "1 files will be analysed again" in result.output, result.output
    strict.process(root)
    assert [tag["name"] for tag in exported_files(strict)["chelsea.png"]["tags"]] == ["cat"]
    refused = CliRunner().invoke(cli, ["--data-dir", str(home), "reanalyse", "colours"])
    assert refused.exit_code != 0 and "no analysis" in refused.output
    strict.close()
