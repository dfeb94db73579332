"""Text in photos (OCR): receipts, signs, documents; stored per photo and searchable. Off by default."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.storage.models import FileText, MediaFile

if TYPE_CHECKING:
    from recognize.models.base import Label, TextReader

WORKING_SIZE = 2000


class TextAnalysis(Analysis):
    """Printed text lines read with enough confidence."""

    name = "text"
    media = frozenset({"image"})
    requires = ("metadata",)

    @cached_property
    def reader(self) -> TextReader:
        """The OCR reader (its models load on first use)."""
        from recognize.models.registry import text_reader

        return text_reader()

    @property
    def model(self) -> str:  # type: ignore[override]
        return self.reader.name

    def enabled(self) -> bool:
        return self.settings.tags.text.enabled

    def compute(self, job: FileJob) -> list[Label]:
        from recognize.media.images import load_image

        decoded = load_image(job.path, self.settings.max_image_pixels, self.settings.min_image_side, WORKING_SIZE)
        minimum = self.settings.tags.text.min_confidence
        return [line for line in self.reader.read(decoded.pixels) if line.score >= minimum]

    def store(self, session: Session, media_file: MediaFile, result: list[Label]) -> None:
        session.execute(delete(FileText).where(FileText.file_id == media_file.id))
        if result:
            confidence = min(line.score for line in result)
            content = "\n".join(line.name for line in result)
            session.add(FileText(file_id=media_file.id, content=content, confidence=confidence, model=self.model))
