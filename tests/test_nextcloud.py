"""Against a real Nextcloud (27): photos read from a user's Nextcloud, file ids kept across moves, tags written back.

Needs a running server: RECOGNIZE_TEST_NEXTCLOUD_URL (e.g. http://127.0.0.1:18888) and two of its users,
RECOGNIZE_TEST_NEXTCLOUD_USER / _PASSWORD and RECOGNIZE_TEST_NEXTCLOUD_USER2 / _PASSWORD2 (their login
passwords: the tests make app passwords from them). Skipped with a message without them.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.config import load_settings
from recognize.export import export_user
from recognize.faces import persons as ops
from recognize.jobs.chunks import publish_library
from recognize.library import webdav
from recognize.library.libraries import configure_library, find_user
from recognize.library.webdav_login import WebDavLogin
from recognize.nextcloud import SystemTags
from recognize.storage.models import Library, NextcloudTag
from tests.faces.conftest import faces_app, processed_template

__all__ = ["faces_app", "processed_template"]

SERVER = os.environ.get("RECOGNIZE_TEST_NEXTCLOUD_URL", "").rstrip("/")
pytestmark = pytest.mark.skipif(
    not SERVER,
    reason="no Nextcloud to test against: set RECOGNIZE_TEST_NEXTCLOUD_URL, _USER, _PASSWORD, _USER2, _PASSWORD2",
)
FACES = Path(__file__).resolve().parent / "data" / "faces" / "face_recognition" / "examples"
TAGS_OF_FILE = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" '
    'xmlns:nc="http://nextcloud.org/ns"><d:prop><oc:fileid/><nc:system-tags/></d:prop></d:propfind>'
)


@dataclass
class Account:
    """A Nextcloud user with an app password, and a fresh folder of theirs."""

    user: str
    app_password: str
    folder: str

    @property
    def url(self) -> str:
        return f"{SERVER}/remote.php/dav/files/{self.user}/{self.folder}/"

    def dav(self) -> httpx.Client:
        return httpx.Client(auth=(self.user, self.app_password), timeout=60)

    def put(self, rel_path: str, source: Path) -> None:
        with self.dav() as client:
            parts = rel_path.split("/")[:-1]
            for depth in range(len(parts)):
                client.request("MKCOL", self.url + "/".join(parts[: depth + 1]))
            assert client.put(self.url + rel_path, content=source.read_bytes()).status_code in (201, 204)

    def _properties(self, rel_path: str) -> ElementTree.Element:
        with self.dav() as client:
            answer = client.request("PROPFIND", self.url + rel_path, content=TAGS_OF_FILE, headers={"Depth": "0"})
        assert answer.status_code == 207, answer.text
        return ElementTree.fromstring(answer.content)

    def tags_of(self, rel_path: str) -> set[str]:
        return {tag.text or "" for tag in self._properties(rel_path).iter("{http://nextcloud.org/ns}system-tag")}

    def file_id(self, rel_path: str) -> int:
        return int(self._properties(rel_path).findtext(".//{http://owncloud.org/ns}fileid") or 0)

    def assign_by_hand(self, rel_path: str, name: str) -> None:
        """What the user (or another app) does in Nextcloud's own interface: create a tag, assign it (through
        the same WebDAV calls, but recorded nowhere in recognize)."""
        login = {"user": self.user, "password": self.app_password}
        tags = SystemTags(Library(root=self.url, credential=login), timeout=60)
        try:
            tags.assign(self.file_id(rel_path), tags.tag_id(name))
        finally:
            tags.close()


@contextmanager
def _account(number: str) -> Iterator[Account]:
    user = os.environ.get(f"RECOGNIZE_TEST_NEXTCLOUD_USER{number}")
    password = os.environ.get(f"RECOGNIZE_TEST_NEXTCLOUD_PASSWORD{number}")
    if not user or not password:
        pytest.skip(f"set RECOGNIZE_TEST_NEXTCLOUD_USER{number} and _PASSWORD{number}")
    answer = httpx.get(
        f"{SERVER}/ocs/v2.php/core/getapppassword?format=json",
        auth=(user, password),
        headers={"OCS-APIRequest": "true"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    account = Account(user, answer.json()["ocs"]["data"]["apppassword"], f"recognize-test-{uuid.uuid4().hex[:8]}")
    with account.dav() as client:
        assert client.request("MKCOL", account.url).status_code == 201
    try:
        yield account
    finally:
        with account.dav() as client:
            client.delete(account.url)


@pytest.fixture
def ann() -> Iterator[Account]:
    with _account("") as account:
        yield account


@pytest.fixture
def bob() -> Iterator[Account]:
    with _account("2") as account:
        yield account


def _files(app: App) -> dict[str, dict]:
    with app.database.session() as session:
        return {item["path"]: item for item in export_user(session, find_user(session, app.settings.user))["files"]}


def test_a_nextcloud_folder_keeps_file_ids_across_moves_and_an_unchanged_rescan_is_one_request(
    ann: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann.put("obama.jpg", FACES / "obama.jpg")
    ann.put("trip/biden.jpg", FACES / "biden.jpg")
    app = App(load_settings(home=tmp_path / "home", workers=1))
    app.process(ann.url, login=WebDavLogin(ann.user, ann.app_password))
    before = _files(app)
    obama = before[ann.url + "obama.jpg"]
    assert len(obama["faces"]) == 1 and len(before[ann.url + "trip/biden.jpg"]["faces"]) == 1

    listings: list[str] = []
    original_list = webdav.WebDavFolder._list
    monkeypatch.setattr(
        webdav.WebDavFolder, "_list", lambda self, rel: listings.append(rel) or original_list(self, rel)
    )
    [library] = app.libraries()
    assert app.scan([library])[library.root].unchanged == 2
    assert listings == [""]

    with ann.dav() as client:
        client.request("MKCOL", ann.url + "kept")
        moved = client.request("MOVE", ann.url + "obama.jpg", headers={"Destination": ann.url + "kept/renamed.jpg"})
    assert moved.status_code == 201
    report = app.scan(app.libraries())[library.root]
    assert (report.moved, report.added, report.deleted) == (1, 0, 0)
    after = _files(app)[ann.url + "kept/renamed.jpg"]
    assert after["id"] == obama["id"] and after["faces"] == obama["faces"]
    app.close()


def test_tags_go_into_nextcloud_and_only_recognize_s_own_come_out(ann: Account, bob: Account, tmp_path: Path) -> None:
    for name in ("obama.jpg", "obama2.jpg", "obama-720p.jpg"):
        ann.put(name, FACES / name)
    bob.put("obama.jpg", FACES / "obama.jpg")
    app = App(load_settings(home=tmp_path / "home", workers=1))
    app.process(ann.url, login=WebDavLogin(ann.user, ann.app_password))
    with app.database.session() as session:
        library = session.scalars(select(Library)).one()
        configure_library(session, library, {"nextcloud": {"tags": "on", "person_tags": "on"}}, app.settings.faces)
        person = _files(app)[ann.url + "obama.jpg"]["faces"][0]["person"]
        ops.rename(session, library.user_id, person, f"Barack {ann.folder}")
    ann.assign_by_hand("obama.jpg", f"family {ann.folder}")
    ann.assign_by_hand("obama.jpg", f"person: Barack {ann.folder}")
    bob.assign_by_hand("obama.jpg", f"person: Barack {ann.folder}")
    publish_library(app, library.id)
    given = ann.tags_of("obama.jpg")
    recognized = {tag["name"] for tag in _files(app)[ann.url + "obama.jpg"]["tags"] if tag["kind"] != "keyword"}
    assert recognized and recognized <= given
    assert {f"family {ann.folder}", f"person: Barack {ann.folder}"} <= given

    with app.database.session() as session:
        ops.rename(session, library.user_id, person, f"Obama {ann.folder}")
        made = set(
            session.scalars(select(NextcloudTag.name).where(NextcloudTag.nextcloud_file_id == ann.file_id("obama.jpg")))
        )
        made_elsewhere = set(
            session.scalars(
                select(NextcloudTag.name).where(NextcloudTag.nextcloud_file_id == ann.file_id("obama2.jpg"))
            )
        )
    assert f"person: Barack {ann.folder}" not in made  # it was there before: not recognize's
    assert f"person: Barack {ann.folder}" in made_elsewhere
    publish_library(app, library.id)
    now = ann.tags_of("obama.jpg")
    assert f"person: Obama {ann.folder}" in now and f"family {ann.folder}" in now
    assert f"person: Barack {ann.folder}" in now  # assigned by hand before recognize: never removed
    renamed = ann.tags_of("obama2.jpg")
    assert f"person: Obama {ann.folder}" in renamed and f"person: Barack {ann.folder}" not in renamed
    assert bob.tags_of("obama.jpg") == {f"person: Barack {ann.folder}"}
    app.close()


def test_persons_are_listed_inside_nextcloud_through_its_external_storage(ann: Account, faces_app) -> None:
    from recognize.library.accounts import create_token, create_user
    from recognize.server import create_server
    from tests.tools import serving

    app, root = faces_app
    with app.database.session() as session:
        token = create_token(session, create_user(session, "admin", "admin-password", admin=True), "nextcloud")
        person_files = {face["person"]: item for item in _files(app).values() for face in item["faces"]}
    person, photo = next(iter(sorted(person_files.items())))
    with serving(create_server(app)) as base, httpx.Client(auth=(ann.user, ann.app_password), timeout=60) as web:
        csrf = web.get(f"{SERVER}/index.php/csrftoken")
        if csrf.status_code != 200:
            pytest.skip("this Nextcloud gives no CSRF token to an app password session")
        options = {"host": f"{base}/dav/admin", "root": "persons", "secure": False, "user": "admin", "password": token}
        mount = {"mountPoint": f"/{ann.folder}-persons", "backend": "dav", "authMechanism": "password::password"}
        made = web.post(
            f"{SERVER}/index.php/apps/files_external/userstorages",
            json={**mount, "backendOptions": options},
            headers={"requesttoken": csrf.json()["token"]},
        )
        if made.status_code in (403, 404, 422):
            pytest.skip(f"users may not mount WebDAV here ({made.text[:120]}): see README, Persons inside Nextcloud")
        assert made.status_code == 201, made.text
        try:
            folder = f"{SERVER}/remote.php/dav/files/{ann.user}/{ann.folder}-persons/{person}/"
            listed = web.request("PROPFIND", folder, headers={"Depth": "1"})
            assert listed.status_code == 207, listed.text[:500]
            names = {href.rsplit("/", 1)[1] for href in re.findall(r"<d:href>([^<]+)</d:href>", listed.text)}
            shown = f"{photo['id']}-{Path(photo['path']).name}"
            assert shown in names
            assert web.get(folder + shown).content == Path(photo["path"]).read_bytes()
        finally:
            mount_id = made.json()["id"]
            web.delete(
                f"{SERVER}/index.php/apps/files_external/userstorages/{mount_id}",
                headers={"requesttoken": csrf.json()["token"]},
            )
    assert root.is_dir()
