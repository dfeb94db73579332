"""Every analysis, in the order they run; adding one is one line here."""

from __future__ import annotations

from recognize.analyses.base import Analysis
from recognize.analyses.faces import FaceAnalysis
from recognize.analyses.metadata import MetadataAnalysis
from recognize.analyses.music import MusicAnalysis
from recognize.analyses.objects import ObjectsAnalysis
from recognize.analyses.places import PlacesAnalysis
from recognize.analyses.text import TextAnalysis
from recognize.analyses.video import VideoAnalysis
from recognize.analyses.xmp import XmpAnalysis
from recognize.config import Settings

ANALYSES: tuple[type[Analysis], ...] = (
    MetadataAnalysis,
    FaceAnalysis,
    PlacesAnalysis,
    ObjectsAnalysis,
    VideoAnalysis,
    MusicAnalysis,
    TextAnalysis,
    XmpAnalysis,
)


def all_analyses(settings: Settings) -> list[Analysis]:
    """Every analysis, dependencies first; whether one runs on a library's files is its ``enabled_for``."""
    return [cls(settings) for cls in ANALYSES]


def analysis_names() -> frozenset[str]:
    """The names a library's ``analyses.NAME=on|off`` switches may use."""
    return frozenset(cls.name for cls in ANALYSES)
