"""A library root swapped for a symlink after it was added: nothing outside is recorded, served or written."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from recognize.app import App
from recognize.config import load_settings
from recognize.jobs.cascade import register
from recognize.jobs.chunks import write_library_sidecars
from recognize.jobs.queue import build_queue
from recognize.library import confined
from recognize.library.accounts import create_user
from recognize.library.confined import OutsideLibrary, RootChanged, open_beneath, open_folder_beneath
from recognize.library.libraries import add_library, find_user
from recognize.server import create_server
from recognize.storage.models import Library, MediaFile, Tag
from tests.media_factory import jpeg_with_exif

ALICE = ("alice", "alice-password")
BOB = ("bob", "bob-password!")


@pytest.fixture(params=["openat2", "checked after open"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of opening beneath a root: Linux's openat2, and the check of the opened file where it lacks it."""
    monkeypatch.setattr(confined, "_openat2_missing", request.param != "openat2")
    return request.param


def test_files_open_only_inside_their_root(tmp_path: Path, kernel: str) -> None:
    root, outside = tmp_path / "library", tmp_path / "outside"
    (root / "folder").mkdir(parents=True)
    outside.mkdir()
    (root / "a.jpg").write_bytes(b"inside")
    (outside / "secret.txt").write_bytes(b"secret")
    os.symlink("a.jpg", root / "link-inside.jpg")
    os.symlink(outside / "secret.txt", root / "link-out.jpg")
    os.symlink("../outside", root / "folder-out")
    os.mkfifo(root / "pipe.jpg")
    for name in ("a.jpg", "link-inside.jpg"):
        descriptor = open_beneath(str(root), name)
        assert os.read(descriptor, 10) == b"inside"
        os.close(descriptor)
    for name in ("link-out.jpg", "folder-out/secret.txt", "../outside/secret.txt", "/etc/passwd", "pipe.jpg"):
        with pytest.raises(OutsideLibrary):
            os.close(open_beneath(str(root), name))
    with pytest.raises(OutsideLibrary):
        os.close(open_folder_beneath(str(root), "folder-out"))
    with pytest.raises(OutsideLibrary):
        os.close(open_beneath(str(root), "a.jpg", private_paths=[root]))
    os.close(open_folder_beneath(str(root), "folder"))


class Setting:
    """Alice's library inside her allowed root, Bob's library beside it, the service and the queue."""

    def __init__(self, tmp_path: Path) -> None:
        self.share = tmp_path / "share"
        self.pics = self.share / "pics2"
        self.bob_photos = tmp_path / "bob-photos"
        for folder, count in ((self.pics / "sub", 2), (self.bob_photos, 3)):
            folder.mkdir(parents=True)
            for number in range(count):
                jpeg_with_exif(folder / f"photo{number}.jpg", size=(400 + number, 200 + count))
        self.home = tmp_path / "home"
        self.app = App(load_settings(home=self.home, workers=1, libraries={"allowed_roots": [str(self.share)]}))
        with self.app.database.session() as session:
            alice = create_user(session, *ALICE)
            bob = create_user(session, *BOB)
            self.library_id = add_library(session, alice, self.pics, self.app.root_policy, trusted=False).id
            self.bob_library = add_library(session, bob, self.bob_photos, self.app.root_policy, trusted=True).id
        self.app.scan(self.app.libraries("alice") + self.app.libraries("bob"))
        self.client = TestClient(create_server(self.app))
        self.queue = build_queue(self.app.settings.resolved_queue_url)
        register(self.queue, self.app.settings)

    def files(self, user: str) -> dict[str, int]:
        with self.app.database.session() as session:
            rows = session.execute(
                select(MediaFile.rel_path, MediaFile.id)
                .join(Library)
                .where(Library.user_id == find_user(session, user).id)
            )
            return {row.rel_path: row.id for row in rows}

    def problem(self) -> str | None:
        with self.app.database.session() as session:
            return session.get_one(Library, self.library_id).problem

    def run_queued(self) -> None:
        """Run what the queue holds in this process, as a worker does."""
        while (task := self.queue.dequeue()) is not None:
            self.queue.execute(task)


@pytest.fixture
def setting(tmp_path: Path) -> Iterator[Setting]:
    made = Setting(tmp_path)
    yield made
    made.app.close()


TARGETS = ["/etc", "bob's library", "the data folder", "/"]


def _target(setting: Setting, name: str) -> Path:
    return {"bob's library": setting.bob_photos, "the data folder": setting.home}.get(name, Path(name))


@pytest.mark.parametrize("target", TARGETS)
def test_a_root_swapped_for_a_symlink_pauses_the_library(setting: Setting, target: str) -> None:
    before = setting.files("alice")
    bob_before = setting.files("bob")
    served = setting.client.get(f"/api/files/{before['sub/photo0.jpg']}/original", auth=ALICE)
    assert served.status_code == 200 and served.content == (setting.pics / "sub" / "photo0.jpg").read_bytes()
    setting.pics.rename(setting.share / "pics2.orig")
    os.symlink(_target(setting, target), setting.pics)

    assert setting.client.post(f"/api/libraries/{setting.library_id}/rescan", auth=ALICE).status_code == 202
    setting.run_queued()
    assert setting.files("alice") == before and setting.files("bob") == bob_before
    problem = setting.problem()
    assert problem and "now leads to" in problem
    for file_id in before.values():
        for what in ("original", "thumbnail"):
            answer = setting.client.get(f"/api/files/{file_id}/{what}", auth=ALICE)
            assert answer.status_code == 404 and "paused" in answer.json()["detail"]
    status = setting.client.get("/api/status", auth=ALICE).json()["libraries"][0]
    assert status["paused"] == problem
    assert setting.client.post(f"/api/libraries/{setting.library_id}/resume", auth=ALICE).status_code == 409

    os.unlink(setting.pics)
    (setting.share / "pics2.orig").rename(setting.pics)
    assert setting.client.post(f"/api/libraries/{setting.library_id}/resume", auth=ALICE).status_code == 200
    setting.run_queued()
    assert setting.problem() is None and setting.files("alice") == before
    assert setting.client.get(f"/api/files/{before['sub/photo0.jpg']}/original", auth=ALICE).status_code == 200


def test_a_symlinked_subfolder_is_neither_scanned_nor_served(setting: Setting) -> None:
    before = setting.files("alice")
    shutil.rmtree(setting.pics / "sub")
    os.symlink(setting.bob_photos, setting.pics / "sub")
    setting.client.post(f"/api/libraries/{setting.library_id}/rescan", auth=ALICE)
    setting.run_queued()
    assert set(setting.files("alice")) <= set(before) and setting.problem() is None
    for file_id in before.values():
        assert setting.client.get(f"/api/files/{file_id}/original", auth=ALICE).status_code == 404


def test_sidecars_are_never_written_through_a_swapped_root_or_a_symlink(setting: Setting) -> None:
    with setting.app.database.session() as session:
        session.get_one(Library, setting.library_id).settings = {"xmp": {"sidecars": True}}
        for file_id in setting.files("alice").values():
            session.add(Tag(file_id=file_id, name="garden", kind="object", score=0.9, model="test"))
    os.symlink(setting.bob_photos / "photo1.jpg", setting.pics / "sub" / "photo1.jpg.xmp")
    assert write_library_sidecars(setting.app, setting.library_id) == 1
    assert (setting.pics / "sub" / "photo0.jpg.xmp").is_file()
    assert not list(setting.bob_photos.glob("*.xmp")) and (setting.pics / "sub" / "photo1.jpg.xmp").is_symlink()

    setting.pics.rename(setting.share / "pics2.orig")
    os.symlink(setting.bob_photos, setting.pics)
    os.mkdir(setting.bob_photos / "sub")
    assert write_library_sidecars(setting.app, setting.library_id) == 0
    assert not list(setting.bob_photos.rglob("*.xmp")) and setting.problem()
    with pytest.raises(RootChanged):
        setting.app.library_root(setting.app.library(setting.library_id))
