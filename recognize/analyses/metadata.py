"""Metadata analysis: decode each image once (size, date, camera, GPS), probe each video and audio (length, date).

Every file gets a date: its own (EXIF, or a video's or song's container), else one from its name, else its
modification time; ``files.date_source`` says which (``media.dates``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.storage.models import MediaFile

if TYPE_CHECKING:
    from recognize.media.images import ImageInfo
    from recognize.media.probe import StreamInfo


class MetadataAnalysis(Analysis):
    """Proves every file decodes and records what the later models need to know about it."""

    name = "metadata"
    model = "pillow+pyav+dates"  # "+dates": files made before dates fell back to names and times are read again
    media = frozenset({"image", "video", "audio"})

    def compute(self, job: FileJob) -> ImageInfo | StreamInfo:
        from recognize.media.images import read_image_info
        from recognize.media.probe import probe
        from recognize.media.thumbnails import THUMBNAIL_SIDE

        if job.media == "image":
            settings = self.settings
            return read_image_info(
                job.path, settings.max_image_pixels, settings.min_image_side, thumbnail_side=THUMBNAIL_SIDE
            )
        return probe(job.path, job.media)

    def store(self, session: Session, media_file: MediaFile, result: ImageInfo | StreamInfo) -> None:
        from recognize.media.dates import best_date
        from recognize.media.images import ImageInfo
        from recognize.media.thumbnails import jpeg_bytes, keep, thumbnail_path

        media_file.width, media_file.height = result.width, result.height
        own_source = "exif" if isinstance(result, ImageInfo) else "metadata"
        name = media_file.rel_path.rsplit("/", 1)[-1]
        media_file.taken_at, media_file.date_source = best_date(result.taken_at, own_source, name, media_file.mtime_ns)
        if isinstance(result, ImageInfo):
            media_file.camera_make, media_file.camera_model = result.camera_make, result.camera_model
            media_file.gps_lat, media_file.gps_lon = result.gps_lat, result.gps_lon
            if result.thumbnail is not None:
                folder = self.settings.home / "thumbnails"
                keep(thumbnail_path(folder, media_file.id, media_file.content_hash), jpeg_bytes(result.thumbnail))
        else:
            media_file.duration, media_file.codec = result.duration, result.codec
