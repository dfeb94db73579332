"""A WebDAV folder as a library, against a real WebDAV server: Debian's `rclone serve webdav` with Basic auth."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from recognize.app import App
from recognize.config import load_settings
from recognize.errors import Refusal
from recognize.export import export_user
from recognize.library.accounts import create_user
from recognize.library.libraries import LibraryError, RootPolicy, add_library, find_user
from recognize.library.webdav_login import WebDavLogin, check_url, login_in_url
from recognize.server import create_server
from tests.faces.conftest import copy_photos
from tests.tools import require_tool

LOGIN = WebDavLogin("nc-user", "app-password-1")
PHOTOS = {
    "Photos/obama.jpg": "examples/obama.jpg",
    "Photos/trip/biden.jpg": "examples/biden.jpg",
    "Photos/trip/kit.jpeg": "examples/knn_examples/train/kit_harington/john1.jpeg",
}
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def webdav_server(folder: Path, password: str = LOGIN.password) -> Iterator[str]:
    """``rclone serve webdav`` over ``folder`` on a free loopback port; yields its URL."""
    rclone = require_tool("rclone")
    command = [rclone, "serve", "webdav", str(folder), "--addr", "127.0.0.1:0", "--dir-cache-time", "0s"]
    command += ["--user", LOGIN.user]
    server = subprocess.Popen([*command, "--pass", password], stderr=subprocess.PIPE, text=True)
    started = threading.Event()
    address: list[str] = []

    def read() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            found = re.search(r"started on (http://[\d.:]+)/", line)
            if found:
                address.append(found.group(1))
                started.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert started.wait(30), "rclone did not start"
        yield address[0]
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def served(tmp_path: Path, test_media: Path) -> Iterator[tuple[Path, str]]:
    copy_photos(test_media, tmp_path / "dav", PHOTOS)
    with webdav_server(tmp_path / "dav") as url:
        yield tmp_path / "dav", url


def _export(app: App) -> dict:
    with app.database.session() as session:
        return export_user(session, find_user(session, app.settings.user))


def test_urls_are_checked_before_they_become_libraries() -> None:
    assert check_url("https://cloud.example/remote.php/dav/files/ann/Photos", [], True, False).endswith("Photos/")
    assert check_url("http://127.0.0.1:8080/dav", [], True, False) == "http://127.0.0.1:8080/dav/"
    for url, reason in [
        ("http://cloud.example/dav", "plain http"),
        ("https://ann:secret@cloud.example/dav", "give the login separately"),
        ("ftp://cloud.example/dav", "not an http"),
    ]:
        with pytest.raises(LibraryError, match=reason):
            check_url(url, [], True, False)
    with pytest.raises(LibraryError, match="allowed_hosts") as refused:
        check_url("https://10.0.0.5/dav", ["cloud.example"], False, False)
    assert refused.value.refusal is Refusal.FORBIDDEN
    assert check_url("https://cloud.example/dav", ["cloud.example"], False, False)
    assert login_in_url("https://cloud.example/remote.php/dav/files/ann%20b/Photos/") == "ann b"


def test_a_webdav_folder_is_scanned_analysed_and_followed(served, tmp_path: Path) -> None:
    folder, url = served
    library_url = f"{url}/Photos/"
    app = App(load_settings(home=tmp_path / "home", workers=1))
    app.process(library_url, login=LOGIN)
    document = _export(app)
    by_path = {item["path"]: item for item in document["files"]}
    assert set(by_path) == {library_url + "obama.jpg", library_url + "trip/biden.jpg", library_url + "trip/kit.jpeg"}
    assert all(item["error"] is None and len(item["faces"]) == 1 for item in by_path.values()), by_path
    obama = by_path[library_url + "obama.jpg"]
    library = app.libraries()[0]
    assert library.credential == {"user": LOGIN.user, "password": LOGIN.password}

    (folder / "Photos" / "trip" / "kit.jpeg").unlink()
    (folder / "Photos" / "moved").mkdir()
    shutil.move(folder / "Photos" / "obama.jpg", folder / "Photos" / "moved" / "obama.jpg")
    biden = folder / "Photos" / "trip" / "biden.jpg"
    biden.write_bytes(biden.read_bytes() + b"edited")
    os.utime(biden, (1_700_000_000, 1_700_000_000))
    report = app.scan([library])[library.root]
    assert (report.moved, report.deleted, report.added, report.changed) == (1, 1, 0, 1), report
    after = {item["path"]: item for item in _export(app)["files"]}
    assert set(after) == {library_url + "moved/obama.jpg", library_url + "trip/biden.jpg"}
    assert after[library_url + "moved/obama.jpg"]["id"] == obama["id"]
    assert after[library_url + "moved/obama.jpg"]["faces"] == obama["faces"]

    with app.database.session() as session:
        create_user(session, "admin", "admin-password", admin=True)
    client = TestClient(create_server(app))
    original = client.get(f"/api/files/{obama['id']}/original", auth=("admin", "admin-password"))
    assert original.status_code == 200 and original.content == (folder / "Photos" / "moved" / "obama.jpg").read_bytes()
    part = client.get(
        f"/api/files/{obama['id']}/original", auth=("admin", "admin-password"), headers={"Range": "bytes=0-9"}
    )
    assert part.status_code == 206 and part.content == original.content[:10]
    thumbnail = client.get(f"/api/files/{obama['id']}/thumbnail", auth=("admin", "admin-password"))
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"
    assert "app-password-1" not in json.dumps(client.get("/api/libraries", auth=("admin", "admin-password")).json())
    served = client.get(f"/dav/admin/unassigned-faces/{obama['id']}-obama.jpg", auth=("admin", "admin-password"))
    assert served.status_code == 200 and served.content == original.content  # through recognize's own WebDAV
    app.close()


def test_a_server_that_is_down_or_refuses_the_login_loses_nothing(tmp_path: Path, test_media: Path) -> None:
    copy_photos(test_media, tmp_path / "dav", PHOTOS)
    app = App(load_settings(home=tmp_path / "home", workers=1))
    client = TestClient(create_server(app))

    def add(url: str, login: WebDavLogin) -> int:
        with app.database.session() as session:
            owner = find_user(session, "admin") or create_user(session, "admin", "admin-password", admin=True)
            return add_library(session, owner, f"{url}/Photos/", RootPolicy(), trusted=True, login=login).id

    def scan() -> object:
        [library] = app.libraries()
        return app.scan([library])[library.root]

    with webdav_server(tmp_path / "dav") as url:
        first = add(url, LOGIN)
        assert scan().added == 3
        assert add(url, WebDavLogin(LOGIN.user, "wrong-password")) == first
        refused = scan()
        assert "refused the login (401)" in refused.unavailable and refused.failures == 1
        status = client.get("/api/status", auth=("admin", "admin-password")).json()["libraries"][0]
        assert any("refused the login" in error["reason"] for error in status["errors"])
        add(url, LOGIN)
    shutil.rmtree(tmp_path / "dav" / "Photos" / "trip")
    down = scan()
    assert "cannot reach the server" in down.unavailable and down.failures == 2  # the retry waits twice as long
    assert len(_export(app)["files"]) == 3
    app.close()


def test_the_command_line_takes_a_url_and_a_password_on_stdin(served, tmp_path: Path) -> None:
    _folder, url = served
    home = tmp_path / "home"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "recognize", "--data-dir", str(home), "library", "add", f"{url}/Photos/"]
    added = subprocess.run(
        [*command, "--login", LOGIN.user, "--password-stdin"],
        input=LOGIN.password + "\n",
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert f"{url}/Photos/" in added.stderr and LOGIN.password not in added.stderr + added.stdout
    scanned = subprocess.run(
        [sys.executable, "-m", "recognize", "--data-dir", str(home), "scan"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert "3 new" in scanned.stderr, scanned.stderr
    with httpx.Client() as plain:
        assert plain.request("PROPFIND", f"{url}/Photos/").status_code == 401


@contextmanager
def misbehaving_server(answer: bytes | None) -> Iterator[str]:
    """A server on a loopback port that reads a request, then sends ``answer`` (None: nothing) and hangs up."""
    import socket

    listening = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listening.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listening.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                if answer is None:
                    stop.wait(5)
                else:
                    connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}/dav/"
    finally:
        stop.set()
        thread.join(10)
        listening.close()


def test_a_slow_server_and_a_connection_cut_mid_download_are_reported_and_leave_nothing(tmp_path: Path) -> None:
    from recognize.library.webdav import RemoteUnavailable, WebDavCache, WebDavFolder

    with misbehaving_server(None) as url, pytest.raises(RemoteUnavailable, match="did not answer in time"):
        WebDavFolder(url, {"user": "u", "password": "p"}, timeout=0.5).check()
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: image/jpeg\r\n\r\n" + b"\xff\xd8" * 50
    cache = WebDavCache(tmp_path / "cache", limit_mb=64)
    with misbehaving_server(cut) as url, pytest.raises(RemoteUnavailable, match="cannot reach the server"):
        cache.path(WebDavFolder(url, None, timeout=5), "photo.jpg", "dav:1:etag")
    assert list((tmp_path / "cache").iterdir()) == []
