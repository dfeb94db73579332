"""Helpers for tests that need a real outside program or a live HTTP server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def exiftool(*arguments: str) -> None:
    """Run Debian's exiftool (a real XMP reader and writer); its failure fails the test."""
    subprocess.run([require_tool("exiftool", "libimage-exiftool-perl"), "-q", *arguments], check=True)


def exiftool_xmp(path: Path) -> dict:
    """Every XMP field exiftool reads in a file, structures kept, numbers as numbers."""
    tool = require_tool("exiftool", "libimage-exiftool-perl")
    output = subprocess.run([tool, "-j", "-struct", "-n", "-XMP:all", str(path)], capture_output=True, check=True)
    return json.loads(output.stdout)[0]


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
