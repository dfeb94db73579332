"""Thumbnails of huge but tiny-on-disk images: decoded one at a time, made once, served from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, resource, sys, threading
from pathlib import Path
from PIL import Image
from fastapi.testclient import TestClient
from recognize.library.accounts import create_token
from recognize.server import create_server
from recognize.app import App
from recognize.config import load_settings
from recognize.library.libraries import find_user

base = Path(sys.argv[1])
(base / "photos").mkdir()
Image.new("RGB", (8000, 8000), (30, 90, 160)).save(base / "photos" / "huge.png")
app = App(load_settings(home=base / "home", workers=1))
app.add_library(base / "photos")
app.scan(app.libraries())
with app.database.session() as session:
    token = create_token(session, find_user(session, "admin"), "probe")
client = TestClient(create_server(app), headers={"Authorization": f"Bearer {token}"})
file_id = client.get("/api/files").json()["items"][0]["id"]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
answers = []
get = lambda: answers.append(client.get(f"/api/files/{file_id}/thumbnail"))
threads = [threading.Thread(target=get) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
cached = len(list((base / "home" / "thumbnails").glob("*.jpg")))
print(json.dumps({"codes": [a.status_code for a in answers], "grown_mb": grown, "cached": cached}))
"""


def test_three_thumbnails_of_a_64_megapixel_png_decode_one_at_a_time(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["codes"] == [200, 200, 200] and found["cached"] == 1
    assert found["grown_mb"] < 700, found
    print(found)


def test_the_metadata_analysis_makes_image_thumbnails_before_any_page_asks(api) -> None:
    client, app, _root = api
    from tests.api.conftest import ALICE, _ids

    file_id = _ids(app)["file"]
    kept = list((app.settings.home / "thumbnails").glob(f"{file_id}-*.jpg"))
    assert len(kept) == 1 and kept[0].read_bytes()[:2] == b"\xff\xd8"
    served = client.get(f"/api/files/{file_id}/thumbnail", auth=ALICE)
    assert served.status_code == 200 and served.content == kept[0].read_bytes()


def test_originals_are_served_with_range_requests(api) -> None:
    from tests.api.conftest import ALICE, _ids

    client, app, root = api
    file_id = _ids(app)["file"]
    whole = (root / "obama" / "a.jpg").read_bytes()
    part = client.get(f"/api/files/{file_id}/original", auth=ALICE, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
