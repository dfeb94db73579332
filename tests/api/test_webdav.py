"""WebDAV through the real app: person collections, MOVE and DELETE semantics, users kept apart."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from recognize.app import App
from recognize.faces import persons as ops
from recognize.library.accounts import create_user
from recognize.server import create_server
from recognize.storage.models import Face, MediaFile, User

ALICE = ("admin", "alice-password")
BOB = ("bob", "bob-password!")


@pytest.fixture
def dav(faces_app: tuple[App, Path]) -> tuple[TestClient, App, Path]:
    app, root = faces_app
    with app.database.session() as session:
        create_user(session, *ALICE, admin=True)
        create_user(session, *BOB)
    return TestClient(create_server(app)), app, root


def listing(client: TestClient, path: str, auth=ALICE) -> list[str]:
    response = client.request("PROPFIND", path, headers={"Depth": "1"}, auth=auth)
    assert response.status_code == 207, (path, response.status_code, response.text[:300])
    hrefs = [unquote(node.text or "") for node in ElementTree.fromstring(response.content).iter("{DAV:}href")]
    own = unquote(path).rstrip("/")
    return sorted(href.rstrip("/").rsplit("/", 1)[-1] for href in hrefs if href.rstrip("/") != own)


def _person_of(app: App, rel_path: str) -> tuple[int, int]:
    with app.database.session() as session:
        face = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == rel_path)).one()
        return face.person_id, face.file_id


def test_person_collections_list_and_serve_photos(dav) -> None:
    client, app, root = dav
    assert listing(client, "/dav/admin/") == ["persons", "tags", "unassigned-faces"]
    obama, file_id = _person_of(app, "obama/a.jpg")
    with app.database.session() as session:
        user_id = session.scalars(select(User.id).where(User.name == "admin")).one()
        ops.rename(session, user_id, obama, "Barack Obama")
    persons = listing(client, "/dav/admin/persons/")
    assert "Barack Obama" in persons and len(persons) == 4
    photos = listing(client, "/dav/admin/persons/" + quote("Barack Obama") + "/")
    assert len(photos) == 4 and f"{file_id}-a.jpg" in photos
    got = client.get(f"/dav/admin/persons/{quote('Barack Obama')}/{file_id}-a.jpg", auth=ALICE)
    assert got.status_code == 200 and got.content == (root / "obama" / "a.jpg").read_bytes()


def test_move_photo_rename_collection_and_delete(dav) -> None:
    client, app, root = dav
    obama, file_id = _person_of(app, "obama/a.jpg")
    biden, _ = _person_of(app, "biden/a.jpg")
    source = f"/dav/admin/persons/{obama}/{file_id}-a.jpg"
    moved = client.request(
        "MOVE", source, headers={"Destination": f"/dav/admin/persons/{biden}/{file_id}-a.jpg"}, auth=ALICE
    )
    assert moved.status_code in (201, 204), moved.text
    assert _person_of(app, "obama/a.jpg")[0] == biden
    renamed = client.request(
        "MOVE", f"/dav/admin/persons/{biden}/", headers={"Destination": "/dav/admin/persons/Joe/"}, auth=ALICE
    )
    assert renamed.status_code in (201, 204), renamed.text
    assert "Joe" in listing(client, "/dav/admin/persons/")
    deleted = client.delete(f"/dav/admin/persons/Joe/{file_id}-a.jpg", auth=ALICE)
    assert deleted.status_code == 204
    assert _person_of(app, "obama/a.jpg")[0] is None
    assert (root / "obama" / "a.jpg").is_file()
    assert f"{file_id}-a.jpg" in listing(client, "/dav/admin/unassigned-faces/")


def test_users_and_paths_are_kept_apart(dav) -> None:
    client, app, _root = dav
    obama, file_id = _person_of(app, "obama/a.jpg")
    assert client.request("PROPFIND", "/dav/admin/", headers={"Depth": "1"}).status_code == 401
    assert client.request("PROPFIND", "/dav/admin/", headers={"Depth": "1"}, auth=("admin", "wrong")).status_code == 401
    assert client.request("PROPFIND", "/dav/admin/persons/", headers={"Depth": "1"}, auth=BOB).status_code == 404
    assert client.get(f"/dav/admin/persons/{obama}/{file_id}-a.jpg", auth=BOB).status_code == 404
    assert listing(client, "/dav/bob/persons/", auth=BOB) == []
    for path in (
        "/dav/admin/persons/../../../etc/passwd",
        "/dav/admin/persons/%2e%2e/%2e%2e/etc/passwd",
        f"/dav/admin/persons/{obama}%2F..%2F..%2Fetc%2Fpasswd",
        "/dav/admin/unassigned-faces/1-..%2F..%2Fsecret",
    ):
        response = client.get(path, auth=ALICE)
        assert response.status_code in (400, 403, 404), (path, response.status_code)
        assert b"root:" not in response.content
    assert client.put(f"/dav/admin/persons/{obama}/new.jpg", content=b"x", auth=ALICE).status_code in (403, 405)
    assert client.request("MKCOL", f"/dav/admin/persons/{obama}/inside/", auth=ALICE).status_code == 403
    assert client.request("MKCOL", "/dav/admin/tags/new/", auth=ALICE).status_code == 403


def test_mkcol_makes_a_person_and_delete_removes_it_when_empty(dav) -> None:
    client, app, _root = dav
    obama, file_id = _person_of(app, "obama/a.jpg")
    assert client.request("MKCOL", "/dav/admin/persons/Grandma/", auth=ALICE).status_code == 201
    assert "Grandma" in listing(client, "/dav/admin/persons/")
    assert client.request("MKCOL", "/dav/admin/persons/Grandma/", auth=ALICE).status_code == 405
    assert client.delete(f"/dav/admin/persons/{obama}/", auth=ALICE).status_code == 403
    moved = client.request(
        "MOVE",
        f"/dav/admin/persons/{obama}/{file_id}-a.jpg",
        headers={"Destination": f"/dav/admin/persons/Grandma/{file_id}-a.jpg"},
        auth=ALICE,
    )
    assert moved.status_code in (201, 204)
    assert listing(client, "/dav/admin/persons/Grandma/") == [f"{file_id}-a.jpg"]
    assert client.delete("/dav/admin/persons/Grandma/", auth=ALICE).status_code == 403
    client.delete(f"/dav/admin/persons/Grandma/{file_id}-a.jpg", auth=ALICE)
    assert client.delete("/dav/admin/persons/Grandma/", auth=ALICE).status_code == 204
    assert "Grandma" not in listing(client, "/dav/admin/persons/")


def test_tag_collections_list_their_files(dav) -> None:
    from recognize.storage.models import Tag

    client, app, root = dav
    _obama, file_id = _person_of(app, "obama/a.jpg")
    with app.database.session() as session:
        session.add(Tag(file_id=file_id, name="president", kind="keyword", score=1.0, model="test"))
        session.add(Tag(file_id=file_id, name="a/b", kind="keyword", score=1.0, model="test"))
    assert "president" in listing(client, "/dav/admin/tags/") and "a" not in listing(client, "/dav/admin/tags/")
    assert listing(client, "/dav/admin/tags/president/") == [f"{file_id}-a.jpg"]
    got = client.get(f"/dav/admin/tags/president/{file_id}-a.jpg", auth=ALICE)
    assert got.status_code == 200 and got.content == (root / "obama" / "a.jpg").read_bytes()
    assert client.request("DELETE", f"/dav/admin/tags/president/{file_id}-a.jpg", auth=ALICE).status_code == 403
    assert client.request("PROPFIND", "/dav/admin/tags/president/", auth=BOB).status_code in (403, 404)
    assert client.request("PROPFIND", "/dav/bob/tags/president/", auth=BOB).status_code == 404


def test_an_api_token_logs_in_as_its_own_user_only_and_folders_have_etags(dav) -> None:
    from recognize.library.accounts import create_token
    from recognize.library.libraries import find_user

    client, app, _root = dav
    with app.database.session() as session:
        alice_token = create_token(session, find_user(session, ALICE[0]), "nextcloud mount")
        bob_token = create_token(session, find_user(session, BOB[0]), "bob's")
    assert listing(client, "/dav/admin/persons/", auth=(ALICE[0], alice_token))
    for auth in ((ALICE[0], bob_token), (ALICE[0], "rk_not-a-token"), (BOB[0], alice_token)):
        assert client.request("PROPFIND", "/dav/admin/persons/", headers={"Depth": "1"}, auth=auth).status_code == 401
    obama, _file = _person_of(app, "obama/a.jpg")
    first = client.request("PROPFIND", f"/dav/admin/persons/{obama}/", headers={"Depth": "0"}, auth=ALICE)
    assert "getetag" in first.text and "getlastmodified" in first.text
    _biden, biden_file = _person_of(app, "biden/a.jpg")
    assert client.request(
        "MOVE",
        f"/dav/admin/persons/{_biden}/{biden_file}-a.jpg",
        headers={"Destination": f"/dav/admin/persons/{obama}/{biden_file}-a.jpg"},
        auth=ALICE,
    ).status_code in (201, 204)
    second = client.request("PROPFIND", f"/dav/admin/persons/{obama}/", headers={"Depth": "0"}, auth=ALICE)
    etag = ElementTree.fromstring(first.content).findtext(".//{DAV:}getetag")
    assert etag and etag != ElementTree.fromstring(second.content).findtext(".//{DAV:}getetag")


def test_a_person_folder_has_one_etag_listed_or_asked_and_a_renamed_photo_changes_it(dav) -> None:
    client, app, root = dav
    obama, _file = _person_of(app, "obama/a.jpg")

    def etags(path: str, depth: str) -> dict[str, str]:
        response = client.request("PROPFIND", path, headers={"Depth": depth}, auth=ALICE)
        return {
            unquote(node.findtext("{DAV:}href") or "").rstrip("/"): node.findtext(".//{DAV:}getetag") or ""
            for node in ElementTree.fromstring(response.content).iter("{DAV:}response")
        }

    folder = f"/dav/admin/persons/{obama}"
    listed = etags("/dav/admin/persons/", "1")[folder]
    assert listed and listed == etags(f"{folder}/", "0")[folder]
    (root / "obama" / "a.jpg").rename(root / "obama" / "renamed.jpg")
    app.scan(app.libraries())
    assert etags(f"{folder}/", "0")[folder] != listed
    assert any(name.endswith("-renamed.jpg") for name in listing(client, f"{folder}/"))
