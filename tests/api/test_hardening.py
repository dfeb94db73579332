"""Requests that used to answer 500 or reach another user's data, bodies and properties without bounds, headers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from recognize.storage.models import Person
from tests.api.conftest import ALICE, BOB, _ids

HUGE = 2**63


def test_a_foreign_or_unknown_person_is_404_whatever_the_body(api) -> None:
    client, app, _root = api
    person = _ids(app)["person"]
    for body in ({}, {"hidden": False}, {"name": "x"}):
        response = client.patch(f"/api/persons/{person}", json=body, auth=BOB)
        assert response.status_code == 404 and "Barack" not in response.text, body
    assert client.patch("/api/persons/99999", json={}, auth=ALICE).status_code == 404
    assert client.get(f"/api/persons/{person}/suggestions", auth=BOB).status_code == 404
    assert client.get("/api/persons/99999/suggestions", auth=ALICE).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"/api/persons/{HUGE}", None),
        ("get", f"/api/files/{HUGE}/original", None),
        ("get", f"/api/files?offset={HUGE}", None),
        ("get", f"/api/files?person={HUGE}", None),
        ("post", "/api/faces/1/move", {"person": HUGE}),
        ("post", "/api/faces/1/move", {"person": True}),
        ("post", "/api/persons/1/merge", {"sources": [True]}),
        ("patch", "/api/persons/1", {"hidden": "yes"}),
        ("post", "/api/libraries", {"path": 7}),
    ],
)
def test_out_of_range_ids_and_loose_types_answer_422(api, method: str, path: str, body) -> None:
    client, _app, _root = api
    assert client.request(method, path, json=body, auth=ALICE).status_code == 422


@pytest.mark.parametrize("name", ["/", ".", "..", "a/b", "tab\there", "bell\x07", "nul\x00"])
def test_names_that_cannot_be_folders_are_refused(api, name: str) -> None:
    client, app, _root = api
    person = _ids(app)["person"]
    response = client.patch(f"/api/persons/{person}", json={"name": name}, auth=ALICE)
    assert response.status_code == 400 and "name" in response.json()["detail"]
    assert client.get(f"/api/persons/{person}", auth=ALICE).json()["name"] is None


def test_request_bodies_are_bounded(api) -> None:
    client, _app, _root = api
    big = {"name": "x" * (2 << 20)}
    assert client.post("/api/session", json=big).status_code == 413

    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    assert (
        client.post("/api/session", content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    )


def test_pages_and_answers_carry_security_headers_and_no_cdn_docs(api) -> None:
    client, _app, _root = api
    for path in ("/login", "/api/me", "/static/app.js"):
        headers = client.get(path, auth=ALICE).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert client.get("/docs").status_code == 404


def test_removing_a_library_removes_its_persons(api) -> None:
    client, app, _root = api
    library = client.get("/api/libraries", auth=ALICE).json()[0]["id"]
    assert client.delete(f"/api/libraries/{library}", auth=ALICE).status_code == 204
    assert client.get("/api/persons", auth=ALICE).json()["total"] == 0
    with app.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_webdav_dead_properties_are_bounded(api) -> None:
    client, _app, _root = api

    def proppatch(value: str):
        body = (
            '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop>'
            f"<Z:note>{value}</Z:note></D:prop></D:set></D:propertyupdate>"
        )
        return client.request("PROPPATCH", "/dav/admin/persons/", content=body, auth=ALICE)

    small = proppatch("ok")
    assert small.status_code == 207 and "200 OK" in small.text
    large = proppatch("x" * 10_000)
    assert large.status_code == 207 and "507" in large.text
    assert proppatch("x" * (2 << 20)).status_code == 413


def test_browser_sessions_are_revoked_by_logout_and_by_an_admin(api) -> None:
    from typer.testing import CliRunner

    from recognize.cli import cli

    client, app, _root = api
    assert client.post("/api/session", json={"name": ALICE[0], "password": ALICE[1]}).status_code == 200
    stolen = dict(client.cookies)
    assert client.get("/api/me").status_code == 200
    assert client.delete("/api/session", headers={"X-Requested-With": "recognize"}).status_code == 204
    client.cookies.clear()
    client.cookies.update(stolen)
    assert client.get("/api/me").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.post("/api/session", json={"name": ALICE[0], "password": ALICE[1]}).status_code == 200
    assert client.get("/api/me").status_code == 200
    ended = CliRunner().invoke(cli, ["--data-dir", str(app.settings.home), "user", "logout", ALICE[0]])
    assert ended.exit_code == 0 and "1 browser session of admin ended" in ended.output
    assert client.get("/api/me").status_code == 401


def test_webdav_lists_persons_with_legacy_names_and_hides_internal_errors(api) -> None:
    import sqlite3

    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from recognize.app import App
    from recognize.server import create_server

    client, app, _root = api
    person = _ids(app)["person"]
    with app.database.session() as session:
        session.execute(update(Person).where(Person.id == person).values(name="a/b"))
    listing = client.request("PROPFIND", "/dav/admin/persons/", auth=ALICE, headers={"Depth": "1"})
    assert listing.status_code == 207 and f"/dav/admin/persons/{person}/" in listing.text
    impatient = App(app.settings.model_copy(update={"database_busy_timeout": 0.2}))
    locker = sqlite3.connect(app.settings.home / "recognize.db")
    locker.execute("BEGIN IMMEDIATE")
    try:
        failed = TestClient(create_server(impatient)).request("MKCOL", "/dav/admin/persons/Newcomer/", auth=ALICE)
    finally:
        locker.rollback()
        locker.close()
        impatient.close()
    assert failed.status_code == 500
    assert failed.text.startswith("internal error") and "sqlite" not in failed.text.lower()


def test_a_nul_in_a_webdav_path_is_not_found(api) -> None:
    client, _app, _root = api
    for path in ("/dav/admin/persons/a%00b/", "/dav/admin/persons/%00/", "/dav/admin/unassigned-faces/x%00.jpg"):
        assert client.request("PROPFIND", path, auth=ALICE).status_code == 404, path


VALID_BODIES = {
    ("patch", "/api/persons/{person_id}"): lambda ids: {"name": "Someone"},
    ("post", "/api/persons/{person_id}/merge"): lambda ids: {"sources": [ids["person"]]},
    ("post", "/api/persons/{person_id}/split"): lambda ids: {"faces": [ids["face"]]},
    ("post", "/api/faces/{face_id}/move"): lambda ids: {"person": None},
    ("patch", "/api/libraries/{library_id}/settings"): lambda ids: {"faces": {"detector": "hog"}},
    ("post", "/api/confirmations/{question_id}"): lambda ids: {"answer": "skip"},
}


def test_every_route_with_an_id_answers_404_to_another_user(api) -> None:
    """Generated from the app's own schema, so a new route cannot escape it."""
    client, app, _root = api
    ids = _ids(app)
    ids["library"] = client.get("/api/libraries", auth=ALICE).json()[0]["id"]
    values = {
        "person_id": ids["person"],
        "face_id": ids["face"],
        "file_id": ids["file"],
        "library_id": ids["library"],
        "question_id": f"face-{ids['face']}-{ids['person']}",
    }
    checked = []
    for template, operations in client.get("/openapi.json").json()["paths"].items():
        names = [name for name in values if "{" + name + "}" in template]
        if not names:
            continue
        path = template.format(**{name: values[name] for name in names})
        for method in operations:
            valid = VALID_BODIES.get((method, template))
            empty = client.request(method, path, json={}, auth=BOB).status_code
            assert empty in (404, 422), (method, template, empty)
            if valid is not None or method in ("get", "delete"):
                body = valid(ids) if valid else None
                answered = client.request(method, path, json=body, auth=BOB).status_code
                assert answered == 404, (method, template, answered)
            checked.append((method, template))
    assert len(checked) >= 15, checked
    assert client.get(f"/api/persons/{ids['person']}", auth=ALICE).json()["name"] is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}, 204),
        ({}, 204),
    ],
)
def test_cross_site_writes_are_refused_whatever_the_login(api, headers: dict[str, str], expected: int) -> None:
    client, _app, _root = api
    answer = client.post("/api/pause", auth=ALICE, headers=headers)
    assert answer.status_code == expected, answer.text
    if expected == 403:
        assert "cross-site" in answer.json()["detail"]
    assert client.get("/api/me", auth=ALICE, headers=headers).status_code == 200


def test_face_settings_have_ranges_and_plain_users_the_admin_s_limits(api) -> None:
    client, _app, _root = api
    bob_library = client.get("/api/libraries", auth=BOB).json()[0]["id"]
    alice_library = client.get("/api/libraries", auth=ALICE).json()[0]["id"]

    def patch(library: int, auth, faces: dict) -> int:
        return client.patch(f"/api/libraries/{library}/settings", json={"faces": faces}, auth=auth).status_code

    assert patch(bob_library, BOB, {"working_size": 100000}) == 403
    assert patch(bob_library, BOB, {"scan_size": 3000}) == 403
    assert patch(bob_library, BOB, {"upsample": 3}) == 403
    assert patch(bob_library, BOB, {"detector": "cnn"}) == 403
    assert patch(bob_library, BOB, {"working_size": 2000, "upsample": 1}) == 200
    assert patch(alice_library, ALICE, {"working_size": 4000, "detector": "cnn"}) == 200
    assert patch(alice_library, ALICE, {"working_size": 100000}) == 400
    for value in ("inf", "1e9999", "nan", "-1"):
        answer = client.patch(
            "/api/me/settings",
            content=f'{{"faces": {{"cluster_distance": {value}}}}}',
            auth=BOB,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code in (400, 422), (value, answer.text)


def test_the_schema_documents_the_error_answers_of_every_route(api) -> None:
    client, _app, _root = api
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "404", "409", "413", "429"} <= set(operation["responses"]), (method, path)


def test_the_session_cookie_is_secure_over_https(api) -> None:
    from fastapi.testclient import TestClient

    from recognize.server import create_server

    _client, app, _root = api
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = TestClient(create_server(app), base_url=base)
        answer = client.post("/api/session", json={"name": ALICE[0], "password": ALICE[1]})
        assert answer.status_code in (200, 204), answer.text
        assert ("secure" in answer.headers["set-cookie"].lower()) is secure


def test_webdav_properties_and_locks_are_bounded_per_user(api, monkeypatch) -> None:
    from recognize.api import dav_limits

    client, _app, _root = api
    monkeypatch.setattr(dav_limits, "MAX_PROPERTIES_PER_USER", 3)
    monkeypatch.setattr(dav_limits, "MAX_LOCKS_PER_USER", 2)

    def proppatch(user, auth, number: int):
        body = (
            '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop>'
            f"<Z:note{number}>x</Z:note{number}></D:prop></D:set></D:propertyupdate>"
        )
        return client.request("PROPPATCH", f"/dav/{user}/persons/", content=body, auth=auth).text

    assert all("200 OK" in proppatch("bob", BOB, number) for number in range(3))
    assert "507" in proppatch("bob", BOB, 3)
    assert "200 OK" in proppatch("admin", ALICE, 0)

    def lock(user, auth, where: str):
        body = (
            '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope>'
            "<D:locktype><D:write/></D:locktype></D:lockinfo>"
        )
        headers = {"Timeout": "Infinite", "Depth": "0"}
        return client.request("LOCK", f"/dav/{user}/{where}", content=body, headers=headers, auth=auth)

    first = lock("bob", BOB, "persons/")
    assert first.status_code == 200 and re.search(r"Second-(3600|3599)<", first.text), first.text[-600:]
    assert lock("bob", BOB, "persons/").status_code == 200
    assert lock("bob", BOB, "persons/").status_code == 507
    assert lock("admin", ALICE, "persons/").status_code == 200
