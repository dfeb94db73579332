"""Password guessing backs off (429 with Retry-After), argon2 runs few at a time, verified logins are cached."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from recognize.api.throttle import FREE_FAILURES, HASHING_AT_ONCE, LoginGuard, Throttled
from recognize.app import App
from recognize.library.accounts import check_password, create_user
from recognize.server import create_server

ALICE = ("alice", "alice-password")


@pytest.fixture
def client(sqlite_app: App) -> Iterator[TestClient]:
    with sqlite_app.database.session() as session:
        create_user(session, *ALICE)
        create_user(session, "bob", "bob-password")
    yield TestClient(create_server(sqlite_app))


@pytest.mark.parametrize("where", ["basic", "session", "dav"])
def test_failed_logins_back_off_with_429_then_recover(client: TestClient, where: str) -> None:
    def attempt(password: str) -> int:
        if where == "session":
            return client.post("/api/session", json={"name": "alice", "password": password}).status_code
        path = "/dav/alice/" if where == "dav" else "/api/me"
        return client.request("PROPFIND" if where == "dav" else "GET", path, auth=("alice", password)).status_code

    assert [attempt(f"guess-{n}") for n in range(FREE_FAILURES)] == [401] * FREE_FAILURES
    refused = (
        client.get("/api/me", auth=ALICE)
        if where != "session"
        else client.post("/api/session", json={"name": "alice", "password": ALICE[1]})
    )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    time.sleep(int(refused.headers["retry-after"]) + 0.1)
    assert attempt(ALICE[1]) in (200, 207)


def test_malformed_basic_on_webdav_answers_401(client: TestClient) -> None:
    for header in ("Basic !!!notbase64", "Basic " + "YWxpY2U=", "Basic //79"):
        assert client.request("PROPFIND", "/dav/alice/", headers={"Authorization": header}).status_code == 401


def test_tokens_are_not_slowed_by_a_locked_password(client: TestClient, sqlite_app: App) -> None:
    from recognize.library.accounts import create_token
    from recognize.library.libraries import find_user

    with sqlite_app.database.session() as session:
        token = create_token(session, find_user(session, "alice"), "script")
    for number in range(FREE_FAILURES):
        client.get("/api/me", auth=("alice", f"guess-{number}"))
    assert client.get("/api/me", auth=ALICE).status_code == 429
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "alice"


def test_hashing_is_bounded_and_verified_logins_are_cached(sqlite_app: App) -> None:
    running, most, calls = 0, 0, 0
    lock = threading.Lock()

    def counting(session, name, password):
        nonlocal running, most, calls
        with lock:
            running += 1
            calls += 1
            most = max(most, running)
        try:
            return check_password(session, name, password)
        finally:
            with lock:
                running -= 1

    with sqlite_app.database.session() as session:
        create_user(session, *ALICE)
    guard = LoginGuard(verifier=counting)

    def login(number: int) -> object:
        with sqlite_app.database.session() as session:
            try:
                return guard.verify(session, f"user-{number}", "wrong-password", f"10.0.0.{number}")
            except Throttled:
                return "throttled"

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(login, range(8))) == [None] * 8
    assert calls == 8 and most <= HASHING_AT_ONCE
    with sqlite_app.database.session() as session:
        assert guard.verify(session, *ALICE, "127.0.0.1").name == "alice"
        assert guard.verify(session, *ALICE, "127.0.0.2").name == "alice"
        assert guard.verify(session, "alice", "not-the-password", "127.0.0.3") is None
    assert calls == 10


def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(sqlite_app: App) -> None:
    with sqlite_app.database.session() as session:
        create_user(session, *ALICE)
    guard = LoginGuard()
    with sqlite_app.database.session() as session:
        for number in range(FREE_FAILURES):
            assert guard.verify(session, "alice", f"guess-{number}", "203.0.113.9") is None
        with pytest.raises(Throttled):
            guard.verify(session, *ALICE, "203.0.113.9")
        with pytest.raises(Throttled):
            guard.verify(session, "bob", "anything-at-all", "203.0.113.9")
        assert guard.verify(session, *ALICE, "192.0.2.10").name == "alice"
        assert guard.retry_after("alice", "192.0.2.10") == 0
