"""REST API in-process (ASGI transport) on a real processed library: every endpoint, two users, bad input."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import httpx
import pytest
from anyio import to_thread
from sqlalchemy import select

from recognize.export import export_user
from recognize.faces import confirmations
from recognize.library.accounts import create_token, revoke_token
from recognize.server import create_server
from recognize.storage.models import ApiToken, Face, MediaFile, User
from tests.api.conftest import ALICE, BOB, _ids
from tests.faces.conftest import main_face
from tests.media_factory import jpeg_with_exif


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/persons"),
        ("get", "/api/files"),
        ("get", "/api/files/1/original"),
        ("get", "/api/faces/1/crop"),
        ("patch", "/api/persons/1"),
        ("get", "/api/export"),
        ("get", "/api/status"),
    ],
)
def test_everything_needs_a_login(api, method: str, path: str) -> None:
    client, _app, _root = api
    assert client.request(method, path).status_code == 401
    assert client.request(method, path, auth=("admin", "wrong password")).status_code == 401
    assert client.request(method, path, headers={"Authorization": "Bearer rk_not-a-token"}).status_code == 401


def test_persons_files_and_faces(api) -> None:
    client, app, root = api
    ids = _ids(app)
    persons = client.get("/api/persons", auth=ALICE).json()
    assert persons["total"] == 4 and all(p["cover"] for p in persons["items"])
    page = client.get("/api/files?limit=3&offset=0", auth=ALICE).json()
    assert page["total"] == 10 and len(page["items"]) == 3
    of_person = client.get(f"/api/files?person={ids['person']}", auth=ALICE).json()
    assert of_person["total"] == 4
    whole = client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()
    assert whole["face_count"] == len(whole["faces"]) == 4
    first = client.get(f"/api/persons/{ids['person']}?limit=3", auth=ALICE).json()["faces"]
    after = first[-1]["id"]
    rest = client.get(f"/api/persons/{ids['person']}?limit=3&after={after}", auth=ALICE).json()["faces"]
    assert [face["id"] for face in first + rest] == [face["id"] for face in whole["faces"]] and len(first) == 3
    detail = client.get(f"/api/files/{ids['file']}", auth=ALICE).json()
    assert detail["faces"][0]["person"] == ids["person"] and detail["width"] > 0
    original = client.get(f"/api/files/{ids['file']}/original", auth=ALICE)
    assert original.content == (root / "obama" / "a.jpg").read_bytes()
    for path in (f"/api/files/{ids['file']}/thumbnail", f"/api/faces/{ids['face']}/crop"):
        response = client.get(path, auth=ALICE)
        assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"
    with app.database.session() as session:
        expected = export_user(session, session.scalars(select(User).where(User.name == "admin")).one())
    assert client.get("/api/export", auth=ALICE).json() == expected
    assert client.get("/api/status", auth=ALICE).json()["libraries"][0]["analyses"]["faces"]["done"] == 10
    assert client.get("/openapi.json").json()["info"]["title"] == "recognize"


def test_person_operations_persist(api) -> None:
    client, app, _root = api
    ids = _ids(app)
    assert client.patch(f"/api/persons/{ids['person']}", json={"name": "Barack"}, auth=ALICE).json()["name"] == "Barack"
    assert client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()["name"] == "Barack"
    others = [p["id"] for p in client.get("/api/persons", auth=ALICE).json()["items"] if p["id"] != ids["person"]]
    clash = client.patch(f"/api/persons/{others[0]}", json={"name": "Barack"}, auth=ALICE)
    assert clash.status_code == 409 and "merge" in clash.json()["detail"]
    assert (
        client.post(f"/api/persons/{ids['person']}/merge", json={"sources": [others[0]]}, auth=ALICE).status_code == 200
    )
    assert client.get(f"/api/persons/{others[0]}", auth=ALICE).status_code == 404
    moved = client.post(f"/api/faces/{ids['face']}/move", json={"person": None}, auth=ALICE).json()
    assert moved["person"] is None
    unassigned = client.get("/api/faces", auth=ALICE).json()
    assert ids["face"] in [f["id"] for f in unassigned["items"]] and unassigned["total"] == len(unassigned["items"])
    pages = [client.get(f"/api/faces?limit=1&offset={n}", auth=ALICE).json() for n in range(unassigned["total"])]
    assert [page["items"][0]["id"] for page in pages] == [f["id"] for f in unassigned["items"]]
    assert {page["total"] for page in pages} == {unassigned["total"]}
    faces = client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()["faces"]
    new = client.post(
        f"/api/persons/{ids['person']}/split", json={"faces": [faces[0]["id"]], "name": "Other"}, auth=ALICE
    )
    assert new.status_code == 201 and new.json()["name"] == "Other"
    assert client.patch(f"/api/persons/{ids['person']}", json={"hidden": True}, auth=ALICE).json()["hidden"] is True
    assert ids["person"] not in [p["id"] for p in client.get("/api/persons", auth=ALICE).json()["items"]]
    assert isinstance(client.get(f"/api/persons/{ids['person']}/suggestions", auth=ALICE).json(), list)


def test_another_user_sees_nothing_of_the_first(api) -> None:
    client, app, _root = api
    ids = _ids(app)
    assert client.get("/api/persons", auth=BOB).json()["total"] == 0
    assert client.get("/api/files", auth=BOB).json()["total"] == 0
    for path in (
        f"/api/persons/{ids['person']}",
        f"/api/files/{ids['file']}",
        f"/api/files/{ids['file']}/original",
        f"/api/files/{ids['file']}/thumbnail",
        f"/api/faces/{ids['face']}",
        f"/api/faces/{ids['face']}/crop",
    ):
        assert client.get(path, auth=BOB).status_code == 404, path
    assert client.patch(f"/api/persons/{ids['person']}", json={"name": "x"}, auth=BOB).status_code == 404
    assert client.post(f"/api/faces/{ids['face']}/move", json={"person": None}, auth=BOB).status_code == 404
    assert client.post(f"/api/persons/{ids['person']}/merge", json={"sources": [1]}, auth=BOB).status_code == 404
    assert [library["root"] for library in client.get("/api/libraries", auth=BOB).json()] != []
    assert client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()["name"] is None


def test_tokens_expire_and_can_be_revoked(api) -> None:
    client, app, _root = api
    with app.database.session() as session:
        admin = session.scalars(select(User).where(User.name == "admin")).one()
        good = create_token(session, admin, "script")
        expired = create_token(session, admin, "old", days=-1)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {good}"}).json()["name"] == "admin"
    assert client.get("/api/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    with app.database.session() as session:
        admin = session.scalars(select(User).where(User.name == "admin")).one()
        token_id = session.scalars(select(ApiToken.id).where(ApiToken.name == "script")).one()
        revoke_token(session, admin, token_id)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/persons/1/merge", {"sources": "everyone"}),
        ("post", "/api/persons/1/merge", {"sources": []}),
        ("patch", "/api/persons/1", {"name": "x" * 300}),
        ("post", "/api/faces/1/move", {}),
        ("get", "/api/files?limit=0", None),
        ("get", "/api/files/not-a-number", None),
        ("post", "/api/libraries", {"path": ""}),
    ],
)
def test_malformed_requests_get_422(api, method: str, path: str, body) -> None:
    client, _app, _root = api
    response = client.request(method, path, json=body, auth=ALICE)
    assert response.status_code == 422 and response.json()["detail"]


def test_a_file_swapped_for_a_link_out_of_the_library_is_not_served(api, tmp_path: Path) -> None:
    client, app, root = api
    ids = _ids(app)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"secret bytes")
    target = root / "obama" / "a.jpg"
    target.unlink()
    os.symlink(secret, target)
    response = client.get(f"/api/files/{ids['file']}/original", auth=ALICE)
    assert response.status_code == 404 and b"secret" not in response.content


def test_libraries_add_and_remove(api, tmp_path: Path) -> None:
    client, app, _root = api
    folder = tmp_path / "more"
    folder.mkdir()
    with app.database.session() as session:
        session.scalars(select(User).where(User.name == BOB[0])).one().library_roots = [str(tmp_path / "more")]
    created = client.post("/api/libraries", json={"path": str(folder)}, auth=BOB)
    assert created.status_code == 201
    assert client.post("/api/libraries", json={"path": str(folder / "missing")}, auth=BOB).status_code == 400
    outside = [tmp_path / "missing", tmp_path / "bob-photos", Path("/root/.ssh"), Path("/etc"), app.settings.home]
    answers = {client.post("/api/libraries", json={"path": str(path)}, auth=BOB).status_code for path in outside}
    details = {
        client.post("/api/libraries", json={"path": str(path)}, auth=BOB).json()["detail"].split(": ", 1)[1]
        for path in outside
    }
    assert answers == {403} and len(details) == 1  # outside his roots, every answer is the same
    assert client.delete(f"/api/libraries/{created.json()['id']}", auth=ALICE).status_code == 404
    assert client.delete(f"/api/libraries/{created.json()['id']}", auth=BOB).status_code == 204


def test_library_settings_rescan_and_date_filter(api) -> None:
    client, _app, _root = api
    library_id = client.get("/api/libraries", auth=ALICE).json()[0]["id"]
    changed = client.patch(f"/api/libraries/{library_id}/settings", json={"faces": {"detector": "cnn"}}, auth=ALICE)
    assert changed.json() == {"faces": {"detector": "cnn"}}
    refused = client.patch(f"/api/libraries/{library_id}/settings", json={"faces": {"detector": "magic"}}, auth=ALICE)
    assert refused.status_code == 400 and "detector" in refused.json()["detail"]
    assert client.patch(f"/api/libraries/{library_id}/settings", json={"faces": {"x": 1}}, auth=BOB).status_code == 404
    switched = client.patch(f"/api/libraries/{library_id}/settings", json={"analyses": {"text": "on"}}, auth=ALICE)
    assert switched.json() == {"faces": {"detector": "cnn"}, "analyses": {"text": True}}
    unknown = client.patch(f"/api/libraries/{library_id}/settings", json={"analyses": {"xray": "on"}}, auth=ALICE)
    assert unknown.status_code == 400 and "xray" in unknown.json()["detail"]
    assert client.post(f"/api/libraries/{library_id}/rescan", auth=ALICE).status_code == 202
    assert client.post(f"/api/libraries/{library_id}/rescan", auth=BOB).status_code == 404
    everything = client.get("/api/files", auth=ALICE).json()["total"]
    before_2000 = client.get("/api/files?taken_before=2000-01-01T00:00:00", auth=ALICE).json()["total"]
    assert everything == 10 and before_2000 < everything


def test_tags_list_and_filter(api) -> None:
    client, app, root = api
    jpeg_with_exif(root / "paris.jpg", gps=(48.8584, 2.2945))
    app.process(root)
    places = client.get("/api/tags?kind=place", auth=ALICE).json()
    assert {"name": "France", "kind": "place", "files": 1} in places["items"]
    tagged = client.get("/api/files?tag=France", auth=ALICE).json()
    assert tagged["total"] == 1 and tagged["items"][0]["path"].endswith("paris.jpg")
    detail = client.get(f"/api/files/{tagged['items'][0]['id']}", auth=ALICE).json()
    assert any(tag["name"] == "France" and tag["model"].startswith("reverse_geocoder") for tag in detail["tags"])
    assert client.get("/api/tags", auth=BOB).json()["total"] == 0


def test_search_finds_persons_tags_and_files(api) -> None:
    client, app, root = api
    jpeg_with_exif(root / "paris.jpg", gps=(48.8584, 2.2945))
    app.process(root)
    ids = _ids(app)
    client.patch(f"/api/persons/{ids['person']}", json={"name": "Barack Obama"}, auth=ALICE)
    assert [p["name"] for p in client.get("/api/search?q=barack", auth=ALICE).json()["persons"]] == ["Barack Obama"]
    found = client.get("/api/search?q=france", auth=ALICE).json()
    assert {t["name"] for t in found["tags"]} == {"France", "Ile-de-France"}
    assert [f["path"].rsplit("/", 1)[-1] for f in found["files"]] == ["paris.jpg"]
    assert client.get("/api/search?q=france", auth=BOB).json() == {
        "persons": [],
        "tags": [],
        "total": 0,
        "total_capped": False,
        "files": [],
    }
    assert client.get("/api/search?q=", auth=ALICE).status_code == 422


def test_videos_have_frame_thumbnails_and_search_results_carry_scores(api, test_media: Path) -> None:
    client, app, root = api
    shutil.copy(test_media / "video/imageio-binaries/cockatoo.mp4", root / "cockatoo.mp4")
    app.process(root)
    found = client.get("/api/search?q=cockatoo", auth=ALICE).json()["files"]
    assert [f["media"] for f in found] == ["video"] and found[0]["score"] > 0
    thumbnail = client.get(f"/api/files/{found[0]['id']}/thumbnail", auth=ALICE)
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"
    assert client.get(f"/api/files/{found[0]['id']}/thumbnail", auth=BOB).status_code == 404


def test_a_plain_user_cannot_add_server_folders_or_the_data_folder(api, tmp_path: Path) -> None:
    client, app, root = api
    home = app.settings.home
    for folder in ("/etc", "/", "~", str(home), str(tmp_path), str(root), str(home / ".." / "home")):
        response = client.post("/api/libraries", json={"path": folder}, auth=BOB)
        assert response.status_code == 403, (folder, response.text)
    for folder in (str(home), str(tmp_path), str(home / "thumbnails")):
        assert client.post("/api/libraries", json={"path": folder}, auth=ALICE).status_code in (400, 403), folder
    assert client.post("/api/libraries", json={"path": "/etc\x00"}, auth=BOB).status_code == 400
    assert len(client.get("/api/libraries", auth=BOB).json()) == 1


def test_files_of_the_data_folder_are_never_served(api) -> None:
    client, app, _root = api
    ids = _ids(app)
    with app.database.session() as session:
        media_file = session.get_one(MediaFile, ids["file"])
        media_file.library.root = str(app.settings.home)
        media_file.rel_path = "session.key"
    response = client.get(f"/api/files/{ids['file']}/original", auth=ALICE)
    assert response.status_code == 404
    assert (app.settings.home / "session.key").read_bytes().strip() not in response.content


def test_confirmations_are_listed_best_first_and_answered(api) -> None:
    client, app, _root = api
    ids = _ids(app)
    with app.database.session() as session:
        session.get_one(Face, ids["face"]).person_id = None
    items = client.get("/api/confirmations?limit=5", auth=ALICE).json()["items"]
    asked = next(item for item in items if item["kind"] == "face" and item["face"] == ids["face"])
    assert (
        asked["person"] == ids["person"] and asked["gain"] >= 1 and asked["id"] == f"face-{ids['face']}-{ids['person']}"
    )
    with app.database.session() as session:
        admin = session.scalars(select(User).where(User.name == "admin")).one()
        ranked = confirmations.questions(session, admin.id, app.clustering_settings(admin), limit=5)
    assert [item["id"] for item in items] == [question.id for question in ranked]
    assert client.post(f"/api/confirmations/{asked['id']}", json={"answer": "yes"}, auth=BOB).status_code == 404
    assert client.post(f"/api/confirmations/{asked['id']}", json={"answer": "maybe"}, auth=ALICE).status_code == 422
    assert client.post(f"/api/confirmations/{asked['id']}", json={"answer": True}, auth=ALICE).status_code == 422
    assert client.post("/api/confirmations/face-x-1", json={"answer": "yes"}, auth=ALICE).status_code == 404
    assert client.post("/api/confirmations/face-99999-1", json={"answer": "yes"}, auth=ALICE).status_code == 404
    applied = client.post(f"/api/confirmations/{asked['id']}", json={"answer": "yes"}, auth=ALICE)
    assert applied.status_code == 200 and applied.json() == {"id": asked["id"], "answer": "yes"}
    assert client.get(f"/api/faces/{ids['face']}", auth=ALICE).json()["person"] == ids["person"]
    assert asked["id"] not in [item["id"] for item in client.get("/api/confirmations", auth=ALICE).json()["items"]]
    assert client.get("/api/confirmations", auth=BOB).json() == {"items": []}


def test_a_group_question_is_listed_with_its_faces_and_answered_with_exceptions(api) -> None:
    client, app, _root = api
    with app.database.session() as session:
        faces = [main_face(session, path) for path in ("obama/c.jpg", "obama/d.jpg")]
        obama, ids = faces[0].person_id, [face.id for face in faces]
        for face in faces:
            face.person_id = None
    items = client.get("/api/confirmations?kind=group", auth=ALICE).json()["items"]
    assert [item["kind"] for item in items] == ["group"] and sorted(items[0]["faces"]) == sorted(ids)
    assert items[0]["person"] == obama
    path = f"/api/confirmations/{items[0]['id']}"
    assert client.post(path, json={"answer": "yes", "except": [ids[0] + 10**6]}, auth=ALICE).status_code == 422
    assert client.post(path, json={"answer": "yes", "except": [ids[1]]}, auth=ALICE).status_code == 200
    assert client.get(f"/api/faces/{ids[0]}", auth=ALICE).json()["person"] == obama
    assert client.get(f"/api/faces/{ids[1]}", auth=ALICE).json()["person"] is None
    assert client.post(path, json={"answer": "yes"}, auth=ALICE).status_code == 409  # asked no more


def test_more_requests_at_once_than_pooled_connections_all_finish(api) -> None:
    """Requests waiting for one of the few API threads must not hold the pooled connections the running
    ones need (that deadlocked until the pool's 30 s timeout)."""
    _client, app, _root = api
    with app.database.session() as session:
        token = create_token(session, session.scalars(select(User).where(User.name == ALICE[0])).one(), "burst")
    server = create_server(app)
    at_once = app.database.connections + 40

    async def burst() -> list[int]:
        to_thread.current_default_thread_limiter().total_tokens = app.settings.api_threads
        transport = httpx.ASGITransport(app=server)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
            answers = await asyncio.gather(*(client.get("/api/persons") for _ in range(at_once)))
        return [answer.status_code for answer in answers]

    assert asyncio.run(asyncio.wait_for(burst(), timeout=20)) == [200] * at_once


def test_requests_run_in_at_most_api_threads(api) -> None:
    client, app, _root = api
    app.settings.api_threads = 3
    with client:
        assert client.get("/api/persons", auth=ALICE).status_code == 200
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)

        async def elsewhere() -> float:
            return to_thread.current_default_thread_limiter().total_tokens

        other_loop = asyncio.run(elsewhere())
    assert tokens == 3
    assert other_loop == 40  # anyio's default limiter belongs to one event loop: the server's alone is limited


def test_person_operations_are_listed_and_undone_over_rest_and_the_command_line(api) -> None:
    import subprocess
    import sys

    client, app, _root = api
    ids = _ids(app)
    assert client.patch(f"/api/persons/{ids['person']}", json={"name": "Barack"}, auth=ALICE).status_code == 200
    items = client.get("/api/history", auth=ALICE).json()["items"]
    assert items[0]["kind"] == "rename" and "Barack" in items[0]["summary"] and items[0]["undone_at"] is None
    assert client.get("/api/history", auth=BOB).json()["items"] == []
    assert client.post(f"/api/history/{items[0]['id']}/undo", auth=BOB).status_code == 404
    undone = client.post(f"/api/history/{items[0]['id']}/undo", auth=ALICE)
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()["name"] is None
    assert client.post(f"/api/history/{items[0]['id']}/undo", auth=ALICE).status_code == 409

    client.patch(f"/api/persons/{ids['person']}", json={"name": "Obama"}, auth=ALICE)
    command = [sys.executable, "-m", "recognize", "--data-dir", str(app.settings.home)]
    listed = subprocess.run([*command, "undo", "--list"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "named 'Obama'" in listed.stdout.splitlines()[0]
    cli_undo = subprocess.run([*command, "undo"], capture_output=True, text=True, timeout=120)
    assert cli_undo.returncode == 0 and "undone:" in cli_undo.stderr
    assert client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()["name"] is None


def test_unassigned_faces_become_a_new_person_and_that_is_undone(api) -> None:
    client, app, _root = api
    ids = _ids(app)
    with app.database.session() as session:
        session.get_one(Face, ids["face"]).person_id = None
    created = client.post("/api/persons", json={"faces": [ids["face"]], "name": "Young Barack"}, auth=ALICE)
    assert created.status_code == 201 and created.json()["name"] == "Young Barack"
    assert client.get(f"/api/faces/{ids['face']}", auth=ALICE).json()["person"] == created.json()["id"]
    assert client.post("/api/persons", json={"faces": [ids["face"]]}, auth=BOB).status_code == 404
    entry = client.get("/api/history?limit=1", auth=ALICE).json()["items"][0]
    assert entry["kind"] == "create"
    assert client.post(f"/api/history/{entry['id']}/undo", auth=ALICE).status_code == 200
    assert client.get(f"/api/persons/{created.json()['id']}", auth=ALICE).status_code == 404
    assert client.get(f"/api/faces/{ids['face']}", auth=ALICE).json()["person"] is None
