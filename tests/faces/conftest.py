"""A small library of real face photos, processed once per session and copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recognize.app import App
from recognize.config import load_settings
from recognize.library.accounts import User, create_user
from recognize.library.libraries import find_user
from recognize.storage.models import Face, Library, MediaFile

PHOTOS = {
    "obama/a.jpg": "examples/obama.jpg",
    "obama/b.jpg": "examples/obama2.jpg",
    "obama/c.jpg": "tests/test_images/obama3.jpg",
    "obama/d.jpg": "examples/knn_examples/test/obama1.jpg",
    "biden/a.jpg": "examples/biden.jpg",
    "biden/b.jpg": "examples/knn_examples/train/biden/biden2.jpg",
    "kit/a.jpeg": "examples/knn_examples/train/kit_harington/john1.jpeg",
    "kit/b.jpeg": "examples/knn_examples/train/kit_harington/john2.jpeg",
    "rose/a.jpg": "examples/knn_examples/train/rose_leslie/img1.jpg",
    "rose/b.jpg": "examples/knn_examples/train/rose_leslie/img2.jpg",
}
LATER = {
    "later/obama_and_biden.jpg": "examples/knn_examples/test/obama_and_biden.jpg",
    "later/kit_with_rose.jpg": "examples/knn_examples/test/kit_with_rose.jpg",
    "later/obama-720p.jpg": "examples/obama-720p.jpg",
}


def copy_photos(test_media: Path, root: Path, photos: dict[str, str]) -> None:
    """Copy real photos from the test media (tests/data) into a library folder."""
    for target, source in photos.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(test_media / "faces" / "face_recognition" / source, root / target)


@pytest.fixture(scope="session")
def processed_template(tmp_path_factory: pytest.TempPathFactory, test_media: Path) -> Path:
    """A processed library (SQLite home) of ten single-person photos."""
    base = tmp_path_factory.mktemp("faces-template")
    copy_photos(test_media, base / "library", PHOTOS)
    app = App(load_settings(home=base / "home", workers=2))
    app.process(base / "library")
    app.close()
    return base


@pytest.fixture
def faces_app(processed_template: Path, tmp_path: Path) -> Iterator[tuple[App, Path]]:
    """A private copy of the processed library and its app."""
    shutil.copytree(processed_template / "library", tmp_path / "library")
    shutil.copytree(processed_template / "home", tmp_path / "home")
    app = App(load_settings(home=tmp_path / "home", workers=1))
    with app.database.session() as session:
        session.execute(update(Library).values(root=str(tmp_path / "library")))
    yield app, tmp_path / "library"
    app.close()


def main_face(session: Session, rel_path: str) -> Face:
    """The surest face of a photo: the face of the person it shows (a detector may also see a face in the
    background, as BlazeFace sees one, larger, in the White House behind Obama in obama/d.jpg)."""
    query = select(Face).join(MediaFile).where(MediaFile.rel_path == rel_path).order_by(Face.score.desc()).limit(1)
    return session.scalars(query).one()


def owner_and_stranger(session: Session, app: App) -> tuple[User, User]:
    """The user who owns the processed library, and a new user who owns nothing."""
    owner = find_user(session, app.settings.user)
    assert owner is not None
    return owner, create_user(session, "stranger", "stranger-password")
