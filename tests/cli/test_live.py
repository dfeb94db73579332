"""The live view of recognize run: login line, files found, per analysis counts, the latest errors by file."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from recognize.app import App
from recognize.cli.live import status_view
from tests.media_factory import jpeg_with_exif


def test_status_view_shows_where_to_log_in_progress_and_errors(sqlite_app: App, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    jpeg_with_exif(photos / "good.jpg")
    (photos / "broken.jpg").write_bytes(b"not a photo at all")
    sqlite_app.process(photos)
    library = sqlite_app.libraries()[0]
    console = Console(record=True, width=160)
    console.print(status_view(sqlite_app, library.id, ["recognize: open http://127.0.0.1:8080/", "first login: x"]))
    text = console.export_text()
    assert "open http://127.0.0.1:8080/" in text and "first login" in text
    assert "files found: " in text and "metadata" in text and "faces" in text
    assert "broken.jpg: " in text and "could not be analysed" in text
    assert "All done" in text  # the work is finished: no decaying rates or ETAs are shown
    assert "/min" not in text and " s" not in text.split("All done")[0].split("ETA")[1]
