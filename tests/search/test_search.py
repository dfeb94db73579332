"""Full-text search (FTS5 on SQLite, tsvector on PostgreSQL): tags, places, person names, dates; ranked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recognize.app import App
from recognize.cli import cli
from recognize.faces import persons as person_ops
from recognize.library.libraries import find_user
from recognize.search import query
from recognize.search.documents import refresh_documents
from recognize.search.query import search
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags
from tests.media_factory import jpeg_with_exif


def _names(app: App, query: str) -> list[str]:
    with app.database.session() as session:
        found = search(session, find_user(session, app.settings.user).id, query)
        return [Path(f.rel_path).name for f in found.files]


def test_search_matches_tags_places_persons_and_dates(app: App, test_media: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    shutil.copy(test_media / "photos/debian-python3-skimage/chelsea.png", root)
    shutil.copy(test_media / "photos/dlib-ffmpeg_data/dog.jpg", root)
    jpeg_with_exif(root / "eiffel.jpg", gps=(48.8584, 2.2945))
    faces = test_media / "faces/face_recognition/examples"
    shutil.copy(faces / "obama.jpg", root / "a.jpg")
    shutil.copy(faces / "obama2.jpg", root / "b.jpg")
    app.process(root)
    assert _names(app, "cat") == ["chelsea.png"]
    assert _names(app, "Dog")[0] == "dog.jpg"
    assert _names(app, "ile-de-france") == ["eiffel.jpg"]
    assert _names(app, "france 2021") == ["eiffel.jpg"]
    assert _names(app, "june") == ["eiffel.jpg"]
    assert _names(app, "cat paris") == []
    assert _names(app, "") == []
    with app.database.session() as session:
        user = find_user(session, app.settings.user)
        person = person_ops.list_persons(session, user.id)[0]
        person_ops.rename(session, user.id, person.id, "Barack Obama")
    assert sorted(_names(app, "barack")) == ["a.jpg", "b.jpg"]
    with app.database.session() as session:
        found = search(session, find_user(session, app.settings.user).id, "obama")
        assert [p.name for p in found.persons] == ["Barack Obama"]


def test_search_cli_prints_ranked_paths(sqlite_app: App, test_media: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    shutil.copy(test_media / "photos/debian-python3-skimage/coffee.png", root)
    shutil.copy(test_media / "photos/debian-python3-skimage/chelsea.png", root)
    sqlite_app.process(root)
    home = str(sqlite_app.settings.home)
    result = CliRunner().invoke(cli, ["--data-dir", home, "search", "espresso", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["files"]
    assert [Path(row["path"]).name for row in rows] == ["coffee.png"] and rows[0]["score"] > 0
    result = CliRunner().invoke(cli, ["--data-dir", home, "search", "zebra"])
    assert result.exit_code == 0 and "nothing matches" in result.output


def test_changed_content_is_searched_by_its_new_tags(sqlite_app: App, test_media: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    photo = root / "picture.png"
    shutil.copy(test_media / "photos/debian-python3-skimage/chelsea.png", photo)
    sqlite_app.process(root)
    assert _names(sqlite_app, "cat") == ["picture.png"]
    shutil.copy(test_media / "photos/debian-python3-skimage/coffee.png", photo)
    sqlite_app.scan(sqlite_app.libraries())
    assert _names(sqlite_app, "cat") == []
    sqlite_app.process(root)
    assert _names(sqlite_app, "cat") == [] and _names(sqlite_app, "espresso") == ["picture.png"]


def test_a_broad_query_counts_up_to_the_cap_and_lists_newest_first(
    sqlite_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "photos").mkdir()
    library = sqlite_app.add_library(tmp_path / "photos")
    with sqlite_app.database.session() as session:
        files = [
            MediaFile(
                library_id=library.id, rel_path=f"dog{n}.jpg", size=1, mtime_ns=0, device=0, inode=n, media="image"
            )
            for n in range(5)
        ]
        session.add_all(files)
        session.flush()
        for media_file in files:
            replace_tags(session, media_file.id, ["test"], [("dog", "object", 0.9, "test")])
        session.flush()
        refresh_documents(session, [f.id for f in files])
        user_id = library.user_id
        newest = sorted((f.id for f in files), reverse=True)
    monkeypatch.setattr(query, "TOTAL_CAP", 3)
    with sqlite_app.database.session() as session:
        found = search(session, user_id, "dog", limit=2)
        assert (found.total, found.total_capped) == (3, True)
        assert [f.id for f in found.files] == newest[:2]
        assert found.tags == [{"name": "dog", "kind": "object", "files": 3, "files_capped": True}]
        narrow = search(session, user_id, "dog4")
        assert (narrow.total, narrow.total_capped) == (1, False)
        assert [f.rel_path for f in narrow.files] == ["dog4.jpg"] and narrow.scores[narrow.files[0].id] > 1
