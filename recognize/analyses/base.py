"""The contract every analysis follows: compute in a worker (no database), store in a transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from recognize.config import Settings
from recognize.storage.models import MediaFile


@dataclass(frozen=True)
class FileJob:
    """Everything a worker needs to analyse one file: ids and a path, never pixels."""

    file_id: int
    path: Path
    media: str
    library_settings: dict[str, Any] = field(default_factory=dict)
    # The photo's XMP sidecars, opened inside the library by the runner; None: look for them next to ``path``.
    sidecars: tuple[Path, ...] | None = None


class Analysis(ABC):
    """One kind of result per file (metadata, faces, tags...), computed by a worker process."""

    reads_sidecars: ClassVar[bool] = False  # the runner opens the photo's XMP sidecars for it
    name: ClassVar[str]
    model: str
    media: ClassVar[frozenset[str]]
    requires: ClassVar[tuple[str, ...]] = ()
    remote: ClassVar[bool] = False
    finds_faces: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def enabled(self) -> bool:
        """Whether the instance settings turn this analysis on for libraries that do not say."""
        return True

    def enabled_for(self, library_settings: dict[str, Any]) -> bool:
        """Whether this analysis runs on a library's files: its ``analyses.NAME`` switch, else ``enabled()``."""
        switch = library_settings.get("analyses", {}).get(self.name)
        return self.enabled() if switch is None else bool(switch)

    def model_for(self, library_settings: dict[str, Any]) -> str:
        """The model (name and version) that analyses a file of a library with these settings."""
        return self.model

    @abstractmethod
    def compute(self, job: FileJob) -> Any:
        """Analyse one file; raise MediaError with a readable reason when it cannot be done."""

    def encode(self, result: Any) -> Any:
        """A JSON-ready form of a result, for remote inference (analyses with ``remote = True``)."""
        raise NotImplementedError(f"{self.name} cannot run remotely")

    def decode(self, data: Any) -> Any:
        """The result back from its JSON form."""
        raise NotImplementedError(f"{self.name} cannot run remotely")

    @abstractmethod
    def store(self, session: Session, media_file: MediaFile, result: Any) -> None:
        """Write one file's result; must replace, never add to, an earlier result of this analysis."""
