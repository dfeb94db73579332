"""A real server on the processed face library, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from recognize.api.auth import create_user
from recognize.api.rest import create_api
from recognize.app import App
from tests.faces.conftest import faces_app, processed_template

__all__ = ["faces_app", "processed_template"]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-password"


@pytest.fixture
def server(faces_app: tuple[App, Path]) -> Iterator[tuple[str, App]]:
    app, _root = faces_app
    with app.database.session() as session:
        create_user(session, "admin", PASSWORD, admin=True)
    instance = uvicorn.Server(uvicorn.Config(create_api(app), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        thread.join(0.1)
    port = instance.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", app
    instance.should_exit = True
    thread.join(10)


@pytest.fixture
def page(server: tuple[str, App]) -> Iterator[object]:
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        if os.environ.get("RECOGNIZE_TEST_REQUIRE_POSTGRES"):
            pytest.fail("Debian chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        yield context.new_page()
        browser.close()
