"""Every analysis, in the order they run; adding one is one line here."""

from __future__ import annotations

from recognize.config import Settings
from recognize.faces.detection import FaceAnalysis
from recognize.jobs.analysis import Analysis
from recognize.media.analysis import MetadataAnalysis
from recognize.tags.places import PlacesAnalysis

ANALYSES: tuple[type[Analysis], ...] = (MetadataAnalysis, FaceAnalysis, PlacesAnalysis)


def enabled_analyses(settings: Settings) -> list[Analysis]:
    """Instances of the analyses the settings enable, dependencies first."""
    return [analysis for analysis in (cls(settings) for cls in ANALYSES) if analysis.enabled()]
