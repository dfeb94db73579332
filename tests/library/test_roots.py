"""Where libraries may live: never around recognize's own data, plain users only inside their roots."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.config import load_settings
from recognize.errors import Refusal
from recognize.library.libraries import LibraryError, RootPolicy, add_library, get_or_create_user
from recognize.storage.models import Library, MediaFile
from tests.media_factory import jpeg_with_exif


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_its_secrets_are_private(sqlite_app: App) -> None:
    from recognize.web.pages import session_secret

    home = sqlite_app.settings.home
    session_secret(home)
    assert _mode(home) == 0o700
    assert _mode(home / "recognize.db") == 0o600
    assert _mode(home / "session.key") == 0o600
    key = (home / "session.key").read_text()
    assert len(key) > 40 and session_secret(home) == key


@pytest.mark.parametrize("where", ["data folder", "inside it", "around it", "via a symlink", "via dot-dot", "via ~"])
def test_a_library_in_or_around_the_data_folder_is_refused(tmp_path: Path, where: str, monkeypatch) -> None:
    home = tmp_path / "photos" / "recognize-data"
    app = App(load_settings(home=home, workers=1))
    (home / "thumbnails").mkdir(exist_ok=True)
    os.symlink(home, tmp_path / "link")
    monkeypatch.setenv("HOME", str(tmp_path / "photos"))
    folder = {
        "data folder": str(home),
        "inside it": str(home / "thumbnails"),
        "around it": str(tmp_path / "photos"),
        "via a symlink": str(tmp_path / "link"),
        "via dot-dot": str(home / "thumbnails" / ".."),
        "via ~": "~",
    }[where]
    with pytest.raises(LibraryError, match="recognize's own data") as refused:
        app.add_library(Path(folder))
    assert refused.value.refusal is Refusal.FORBIDDEN
    assert app.libraries() == []
    app.close()


def test_plain_users_add_libraries_only_inside_their_roots(sqlite_app: App, tmp_path: Path) -> None:
    shared, own, elsewhere = tmp_path / "shared", tmp_path / "own", tmp_path / "elsewhere"
    for folder in (shared / "a", own / "b", elsewhere):
        folder.mkdir(parents=True)
    os.symlink(elsewhere, shared / "escape")
    policy = RootPolicy(sqlite_app.settings.private_paths, [shared])
    with sqlite_app.database.session() as session:
        bob = get_or_create_user(session, "bob")
        for refused in (elsewhere, shared / "escape", shared / ".." / "elsewhere", Path("/etc"), own / "b"):
            with pytest.raises(LibraryError, match="outside the folders") as error:
                add_library(session, bob, refused, policy, trusted=False)
            assert error.value.refusal is Refusal.FORBIDDEN
        assert add_library(session, bob, shared / "a", policy, trusted=False).root == str(shared / "a")
        bob.library_roots = [str(own)]
        assert add_library(session, bob, own / "b", policy, trusted=False).root == str(own / "b")
        assert add_library(session, bob, Path("/etc"), policy, trusted=True).root == "/etc"


def test_a_folder_the_file_system_cannot_look_up_is_refused_with_its_reason(sqlite_app: App, tmp_path: Path) -> None:
    policy = RootPolicy(sqlite_app.settings.private_paths, [])
    too_long = tmp_path / ("x" * 300)
    with sqlite_app.database.session() as session:
        admin = get_or_create_user(session, "admin")
        with pytest.raises(LibraryError, match="File name too long") as error:
            add_library(session, admin, too_long, policy, trusted=True)
    assert str(too_long) in str(error.value)


def test_the_scanner_never_enters_the_data_folder(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    app = App(load_settings(home=root / "recognize-data", workers=1))
    jpeg_with_exif(root / "holiday.jpg")
    with app.database.session() as session:
        owner = get_or_create_user(session, "admin")
        session.add(Library(user_id=owner.id, root=str(root)))
    report = app.scan(app.libraries())[str(root)]
    with app.database.session() as session:
        paths = list(session.scalars(select(MediaFile.rel_path)))
    assert paths == ["holiday.jpg"]
    assert report.error_paths == ["recognize-data"]
    app.close()
