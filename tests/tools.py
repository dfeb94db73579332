"""Helpers for tests that need a real outside program or a live HTTP server."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI


def require_tool(name: str, package: str | None = None) -> str:
    """The program's path; CI (which installs it) fails without it, a developer's run skips."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("RECOGNIZE_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"{name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed (apt-get install {package or name})")
    return found


@contextmanager
def serving(api: FastAPI) -> Iterator[str]:
    """Serve ``api`` with uvicorn on a free loopback port for the duration; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.1)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
