"""Every analysis, in the order they run; adding one is one line here."""

from __future__ import annotations

from recognize.config import Settings
from recognize.faces.detection import FaceAnalysis
from recognize.jobs.analysis import Analysis
from recognize.media.analysis import MetadataAnalysis
from recognize.tags.music import MusicAnalysis
from recognize.tags.objects import ObjectsAnalysis
from recognize.tags.places import PlacesAnalysis
from recognize.tags.text import TextAnalysis
from recognize.tags.video import VideoAnalysis

ANALYSES: tuple[type[Analysis], ...] = (
    MetadataAnalysis,
    FaceAnalysis,
    PlacesAnalysis,
    ObjectsAnalysis,
    VideoAnalysis,
    MusicAnalysis,
    TextAnalysis,
)


def all_analyses(settings: Settings) -> list[Analysis]:
    """Every analysis, dependencies first; whether one runs on a library's files is its ``enabled_for``."""
    return [cls(settings) for cls in ANALYSES]


def analysis_names() -> frozenset[str]:
    """The names a library's ``analyses.NAME=on|off`` switches may use."""
    return frozenset(cls.name for cls in ANALYSES)
