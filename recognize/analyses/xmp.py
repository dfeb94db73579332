"""XMP: the names and keywords other tools (digiKam, Lightroom, Windows Photo Gallery, Picasa) wrote into a
photo or its sidecar become recognize's persons and ``keyword`` tags.

It runs after the faces analysis, so a named region can name the face it covers (``faces.named_regions``);
a changed sidecar makes the scanner forget this analysis for its photo, which reads it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.media.sidecar_files import XMP_ANALYSIS
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags

if TYPE_CHECKING:
    from recognize.faces.named_regions import NamedRegion

MODEL = "xmp-exiv2"
KIND = "keyword"
CROP_SIDE = 1600


@dataclass(frozen=True)
class XmpResult:
    """A photo's named regions (in original pixels, with thumbnails) and keywords."""

    regions: list[NamedRegion] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


class XmpAnalysis(Analysis):
    """Persons and keywords from the XMP of each photo and its sidecars."""

    name = XMP_ANALYSIS
    model = MODEL
    media = frozenset({"image"})
    requires = ("metadata", "faces")
    finds_faces = True
    reads_sidecars = True

    def enabled(self) -> bool:
        return self.settings.xmp.read

    def compute(self, job: FileJob) -> XmpResult:
        from PIL import Image

        from recognize.faces.detection import face_thumbnail
        from recognize.faces.named_regions import NamedRegion
        from recognize.media.images import load_image
        from recognize.media.xmp import read_xmp
        from recognize.models.base import Box

        info = read_xmp(job.path, job.sidecars)
        if not info.regions:
            return XmpResult([], info.keywords)
        decoded = load_image(job.path, self.settings.max_image_pixels, self.settings.min_image_side, CROP_SIDE)
        image = Image.fromarray(decoded.pixels)
        width, height = decoded.original_width, decoded.original_height
        regions = []
        for region in info.regions:
            left, top, w, h = region.area
            box = (round(left * width), round(top * height), max(1, round(w * width)), max(1, round(h * height)))
            corners = (box[0], box[1], box[0] + box[2], box[1] + box[3])
            scaled = Box(*(round(value / decoded.scale) for value in corners))
            thumbnail = face_thumbnail(image, scaled, self.settings.faces.thumbnail_size)
            regions.append(NamedRegion(region.name, box, thumbnail))
        return XmpResult(regions, info.keywords)

    def store(self, session: Session, media_file: MediaFile, result: XmpResult) -> None:
        from recognize.faces.named_regions import apply_named_regions

        names = {region.name for region in result.regions}
        tags = [(keyword[:200], KIND, 1.0, MODEL) for keyword in result.keywords if keyword not in names]
        replace_tags(session, media_file.id, [MODEL], tags)
        apply_named_regions(session, media_file.library.user_id, media_file.id, result.regions)
