"""Places from EXIF GPS, offline: city, region and country tags with their model, on both databases."""

from __future__ import annotations

from pathlib import Path

from recognize.app import App
from recognize.export import export_user
from recognize.library.libraries import find_user
from tests.media_factory import jpeg_with_exif


def _tags(app: App) -> dict[str, list[dict]]:
    with app.database.session() as session:
        document = export_user(session, find_user(session, app.settings.user))
    return {Path(entry["path"]).name: entry["tags"] for entry in document["files"]}


def test_gps_photos_get_place_tags(app: App, tmp_path: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    jpeg_with_exif(root / "paris.jpg", gps=(48.8584, 2.2945))
    jpeg_with_exif(root / "new-york.jpg", gps=(40.7128, -74.0060))
    jpeg_with_exif(root / "no-gps.jpg")
    app.process(root)
    tags = _tags(app)
    paris = {tag["name"] for tag in tags["paris.jpg"]}
    assert {"France", "Ile-de-France"} <= paris
    assert {"New York City", "New York", "United States"} <= {tag["name"] for tag in tags["new-york.jpg"]}
    assert tags["no-gps.jpg"] == []
    assert all(tag["kind"] == "place" and tag["model"].startswith("reverse_geocoder") for tag in tags["paris.jpg"])
    app.process(root)
    assert len(_tags(app)["paris.jpg"]) == len(tags["paris.jpg"])
