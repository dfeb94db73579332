"""Places: EXIF GPS to city, region and country tags, offline (reverse_geocoder's GeoNames cities).

No landmark-recognition weights exist in any registry package, so places come from GPS only.
The geocoder (with SciPy) is imported when a photo with GPS is first analysed, not by every command.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.config import Settings
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags

MODEL = "reverse_geocoder-1.5.1 (GeoNames cities1000)"


class PlacesAnalysis(Analysis):
    """City, region and country of photos that carry GPS coordinates."""

    name = "places"
    model = MODEL
    media = frozenset({"image"})
    requires = ("metadata",)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._geocoder: Any = None

    def compute(self, job: FileJob) -> list[tuple[str, str, float, str]]:
        from recognize.media.images import read_image_info

        info = read_image_info(job.path, self.settings.max_image_pixels, self.settings.min_image_side, verify=False)
        if info.gps_lat is None or info.gps_lon is None:
            return []
        import pycountry
        import reverse_geocoder

        if self._geocoder is None:
            self._geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False)
        place: dict[str, Any] = self._geocoder.query([(info.gps_lat, info.gps_lon)])[0]
        country = pycountry.countries.get(alpha_2=place["cc"])
        names = [place["name"], place["admin1"], country.name if country else place["cc"]]
        return [(name, "place", 1.0, MODEL) for name in names if name]

    def store(self, session: Session, media_file: MediaFile, result: list[tuple[str, str, float, str]]) -> None:
        replace_tags(session, media_file.id, [MODEL], result)
