"""Helpers for tests that need a real outside program or a live HTTP server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


class Service:
    """A ``recognize run`` started as users start it, in its own process group; ``url`` is where it serves."""

    def __init__(self, home: Path, library: Path, env: dict[str, str] | None = None) -> None:
        import re
        import sys
        import time

        self.home = home
        command = [sys.executable, "-m", "recognize", "--data-dir", str(home), "run", str(library)]
        command += ["--port", "0", "--workers", "1"]
        environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **(env or {})}
        self.process = subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output: list[str] = []
        found = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                if re.search(r"http://[\d.]+:\d+/", line):
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        found.wait(120)
        address = next((re.search(r"http://[\d.]+:\d+", line) for line in self.output if "http://" in line), None)
        assert address is not None, "".join(self.output)
        self.url = address.group(0)
        deadline = time.monotonic() + 60
        import httpx

        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/api/me", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("the service did not answer: " + "".join(self.output))

    def pids(self) -> list[int]:
        """The service's process and every process of its group still alive."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == self.process.pid and fields[0] != "Z":
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; then make sure nothing of it is left."""
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(60)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
