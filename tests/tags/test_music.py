"""Music tags on real clips: genres for music, nothing for speech and animals; broken audio is a file error."""

from __future__ import annotations

import shutil
from pathlib import Path

from recognize.app import App
from tests.media_factory import corrupt_copy, zero_length_clip
from tests.tags.helpers import exported_files, tag_names

CLIPS = (
    "sorohanro_-_solo-trumpet-06.hq.ogg",
    "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg",
    "198-209-0000.hq.ogg",
    "456440__inspectorj__bird-whistling-robin-single-13.hq.ogg",
)


def test_music_is_tagged_and_other_audio_is_not(sqlite_app: App, test_media: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    for name in CLIPS:
        shutil.copy(test_media / "audio/librosa-data" / name, root)
    corrupt_copy(test_media / "audio/librosa-data/pibble.hq.ogg", root / "damaged.ogg")
    zero_length_clip(root / "silence.wav")
    sqlite_app.process(root)
    files = exported_files(sqlite_app)
    assert "jazz" in tag_names(files[CLIPS[0]], "genre")
    assert "classical" in tag_names(files[CLIPS[1]], "genre")
    assert files[CLIPS[2]]["tags"] == [] and files[CLIPS[3]]["tags"] == []
    assert {tag["model"] for tag in files[CLIPS[1]]["tags"]} <= {"musicnn-0.1.0-MTT", "musicnn-0.1.0-MSD"}
    assert all(files[name]["error"] is None for name in CLIPS)
    assert "damaged.ogg" in files and "audio" in files["damaged.ogg"]["error"]
    assert "zero length" in files["silence.wav"]["error"]
