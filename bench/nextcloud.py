"""Nextcloud library benchmark: scans of a 2,000-photo library in a real Nextcloud, and processing throughput of
the same photos from Nextcloud and from a local folder, side by side in one run.

Needs a running Nextcloud and one of its users (as the tests: RECOGNIZE_TEST_NEXTCLOUD_URL, _USER, _PASSWORD).
Generates unique JPEGs (the photos of ../shared/data/photos and faces, at most 1024 px, each made unique by a
comment), uploads them into a new folder of the user (100 per subfolder), then prints:
first scan, unchanged rescan (targets: one request, under 1 s), rescan after 10 changed files, and files per
second of `process` on the first N photos (whole folders of 100) from Nextcloud and from a local copy (target:
at least 0.8x).

usage: python bench/nextcloud.py [--files 2000] [--process 200]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

from recognize.app import App
from recognize.config import load_settings
from recognize.library import webdav
from recognize.library.webdav_login import WebDavLogin

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PER_FOLDER = 100


def sources() -> list[bytes]:
    """Every shared photo as a JPEG of at most 1024 px."""
    found = []
    for path in sorted([*(SHARED / "photos").rglob("*"), *(SHARED / "faces" / "face_recognition").rglob("*")]):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
            continue
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((1024, 1024))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85)
            found.append(buffer.getvalue())
    return found


def generate(root: Path, count: int) -> list[str]:
    """``count`` unique JPEGs under ``root``, 100 per folder; their relative paths."""
    originals = sources()
    names = []
    for index in range(count):
        name = f"{index // PER_FOLDER:03d}/photo_{index:05d}.jpg"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(originals[index % len(originals)] + f"variant {index}".encode())
        names.append(name)
    return names


class Counting:
    """Counts the PROPFIND listings a scan makes."""

    def __init__(self) -> None:
        self.count = 0
        original = webdav.WebDavFolder._list

        def counted(folder: webdav.WebDavFolder, rel_dir: str) -> list:
            self.count += 1
            return original(folder, rel_dir)

        webdav.WebDavFolder._list = counted  # type: ignore[method-assign]


def upload(client: httpx.Client, url: str, root: Path, names: list[str]) -> None:
    for folder in sorted({name.rsplit("/", 1)[0] for name in names}):
        client.request("MKCOL", url + folder)

    def put(name: str) -> None:
        answer = client.put(url + name, content=(root / name).read_bytes())
        answer.raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put, names))


def timed_scan(app: App, counter: Counting) -> tuple[float, int, object]:
    [library] = [library for library in app.libraries() if library.remote]
    counter.count = 0
    started = time.perf_counter()
    report = app.scan([library])[library.root]
    return time.perf_counter() - started, counter.count, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--process", type=int, default=200)
    args = parser.parse_args()
    server = os.environ["RECOGNIZE_TEST_NEXTCLOUD_URL"].rstrip("/")
    user, password = os.environ["RECOGNIZE_TEST_NEXTCLOUD_USER"], os.environ["RECOGNIZE_TEST_NEXTCLOUD_PASSWORD"]
    app_password = httpx.get(
        f"{server}/ocs/v2.php/core/getapppassword?format=json",
        auth=(user, password),
        headers={"OCS-APIRequest": "true"},
        timeout=60,
    ).json()["ocs"]["data"]["apppassword"]
    login = WebDavLogin(user, app_password)
    folder = f"recognize-bench-{uuid.uuid4().hex[:8]}"
    url = f"{server}/remote.php/dav/files/{user}/{folder}/"
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-nextcloud-"))
    client = httpx.Client(auth=(user, app_password), timeout=120)
    try:
        names = generate(work / "photos", args.files)
        client.request("MKCOL", url)
        started = time.perf_counter()
        upload(client, url, work / "photos", names)
        print(f"uploaded {len(names)} photos into Nextcloud in {time.perf_counter() - started:.1f} s (setup)")
        counter = Counting()
        app = App(load_settings(home=work / "home"))
        app.add_library(url, login=login)
        seconds, requests, report = timed_scan(app, counter)
        rate = report.added / seconds
        print(f"first scan: {report.added} files in {seconds:.2f} s ({rate:.0f} files/s), {requests} PROPFIND")
        seconds, requests, report = timed_scan(app, counter)
        print(
            f"unchanged rescan: {seconds:.3f} s, {requests} PROPFIND, {report.unchanged} unchanged (targets: 1, < 1 s)"
        )
        changed = names[:: max(1, len(names) // 10)][:10]
        for name in changed:
            client.put(url + name, content=(work / "photos" / name).read_bytes() + b"changed").raise_for_status()
        seconds, requests, report = timed_scan(app, counter)
        print(f"rescan after 10 changes: {seconds:.3f} s, {requests} PROPFIND, {report.changed} changed")
        app.close()
        whole_folders = -(-args.process // PER_FOLDER) * PER_FOLDER  # the same files on both sides
        compare_throughput(work, url, login, names[:whole_folders])
    finally:
        client.delete(url)
        client.close()
        shutil.rmtree(work, ignore_errors=True)


def compare_throughput(work: Path, url: str, login: WebDavLogin, names: list[str]) -> None:
    """Process the same photos from Nextcloud (a subfolder of them) and from a local copy; files per second."""
    local = work / "local"
    for name in names:
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "photos" / name, local / name)
    folders = sorted({name.rsplit("/", 1)[0] for name in names})
    rates = {}
    for kind in ("local", "nextcloud"):
        app = App(load_settings(home=work / f"home-{kind}"))
        started = time.perf_counter()
        for folder in folders:
            app.process(local / folder if kind == "local" else f"{url}{folder}/", login=login)
        rates[kind] = len(names) / (time.perf_counter() - started)
        app.close()
        print(f"process {len(names)} photos from {kind}: {rates[kind]:.2f} photos/s")
    print(f"nextcloud / local: {rates['nextcloud'] / rates['local']:.2f}x (target: at least 0.8x)")


if __name__ == "__main__":
    main()
