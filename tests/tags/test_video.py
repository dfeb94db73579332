"""Videos: frames go through the classifier and the face pipeline; a video's face joins a person."""

from __future__ import annotations

import shutil
from pathlib import Path

from recognize.app import App
from recognize.faces.persons import list_persons
from recognize.library.libraries import find_user
from recognize.storage.models import Face
from tests.media_factory import audio_only_mp4
from tests.tags.helpers import exported_files, tag_names

FACES = "faces/face_recognition/examples"


def test_video_face_joins_the_person_from_a_photo(app: App, test_media: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    shutil.copy(test_media / FACES / "lin-manuel-miranda.png", root)
    shutil.copy(test_media / FACES / "short_hamilton_clip.mp4", root)
    shutil.copy(test_media / FACES / "alex-lacamoire.png", root)
    shutil.copy(test_media / "video/imageio-binaries/cockatoo.mp4", root)
    audio_only_mp4(root / "no-picture.mp4")
    app.process(root)
    files = exported_files(app)
    video_faces = files["short_hamilton_clip.mp4"]["faces"]
    assert len(video_faces) == 1 and video_faces[0]["frame_ms"] > 0
    photo_face = files["lin-manuel-miranda.png"]["faces"][0]
    assert video_faces[0]["person"] is not None and video_faces[0]["person"] == photo_face["person"]
    assert files["alex-lacamoire.png"]["faces"][0]["person"] != photo_face["person"]
    with app.database.session() as session:
        persons = list_persons(session, find_user(session, app.settings.user).id)
        assert [person.faces for person in persons] == [2]
        assert session.get(Face, video_faces[0]["id"]).thumbnail[:2] == b"\xff\xd8"
    assert files["cockatoo.mp4"]["error"] is None and files["cockatoo.mp4"]["faces"] == []
    assert "bird" in tag_names(files["cockatoo.mp4"], "object")
    assert all(tag["model"] == "efficientnet-lite0-0.1.0" for tag in files["cockatoo.mp4"]["tags"])
    assert "no video stream" in files["no-picture.mp4"]["error"]
