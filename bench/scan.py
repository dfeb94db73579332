"""Scan benchmark: first scan vs rescan of an unchanged library, side by side in one run.

Generates N files (default 100,000): small JPEG variants of the photos in ../shared/data/photos,
1,000 per folder, each variant unique by a trailing comment. Prints files/s of the first scan and
seconds of the unchanged rescan (target: under 10 s for 100,000 files on 2 cores).

usage: python bench/scan.py [--files N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
import time
from pathlib import Path

from PIL import Image

from recognize.app import App
from recognize.config import load_settings

SHARED_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "photos"


def make_sources() -> list[bytes]:
    """Small JPEG encodings of every shared photo."""
    sources = []
    for path in sorted(SHARED_PHOTOS.rglob("*")):
        if path.suffix.lower() not in {".jpg", ".png"}:
            continue
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((160, 160))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80)
            sources.append(buffer.getvalue())
    return sources


def generate(root: Path, count: int) -> None:
    """Write ``count`` unique JPEG files, 1,000 per folder."""
    sources = make_sources()
    for index in range(count):
        folder = root / f"{index // 1000:04d}"
        if index % 1000 == 0:
            folder.mkdir(parents=True)
        data = sources[index % len(sources)] + f"variant {index}".encode()
        (folder / f"photo_{index:06d}.jpg").write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-scan-"))
    try:
        started = time.perf_counter()
        generate(work / "library", args.files)
        print(f"generated {args.files} files in {time.perf_counter() - started:.1f} s")
        app = App(load_settings(home=work / "home", database_url=args.database_url))
        library = app.add_library(work / "library")
        first = app.scan([library])[library.root]
        again = app.scan([library])[library.root]
        assert first.added == args.files and again.unchanged == args.files
        print(f"database: {app.database.engine.dialect.name}")
        print(f"first scan:      {first.seconds:8.2f} s  {args.files / first.seconds:8.0f} files/s")
        print(f"unchanged rescan:{again.seconds:8.2f} s  {args.files / again.seconds:8.0f} files/s")
        app.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
