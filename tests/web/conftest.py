"""A real server on the processed face library, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from recognize.app import App
from recognize.library.accounts import create_user
from recognize.server import create_server
from tests.faces.conftest import faces_app, processed_template
from tests.tools import require_tool, serving

__all__ = ["faces_app", "processed_template"]

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
    with serving(create_server(app)) as base:
        yield base, app


@pytest.fixture
def page(server: tuple[str, App]) -> Iterator[object]:
    executable = require_tool("chromium")

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        yield context.new_page()
        browser.close()
