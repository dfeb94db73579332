"""Music: genre, mood, instrument, voice and era tags of audio files that are music (``tags.music``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from recognize.analyses.base import Analysis, FileJob
from recognize.storage.models import MediaFile
from recognize.tags.music import TAGGERS, is_music, kind_of
from recognize.tags.store import replace_tags

if TYPE_CHECKING:
    from recognize.models.base import AudioTagger


class MusicAnalysis(Analysis):
    """Tags audio files that are music; other audio gets no tags."""

    name = "music"
    media = frozenset({"audio"})
    requires = ("metadata",)

    @property
    def model(self) -> str:  # type: ignore[override]
        return "+".join(tagger.name for tagger in self.taggers)

    @cached_property
    def taggers(self) -> list[AudioTagger]:
        """The MTT and MSD taggers (their weights load on first use)."""
        from recognize.models.registry import audio_tagger

        return [audio_tagger(name) for name in TAGGERS]

    def enabled(self) -> bool:
        return self.settings.tags.music.enabled

    def compute(self, job: FileJob) -> list[tuple[str, str, float, str]]:
        from recognize.media.audio import load_audio

        music = self.settings.tags.music
        waveform = load_audio(job.path, self.taggers[0].sample_rate, music.max_seconds)
        outputs = [(tagger.name, tagger.tag(waveform)) for tagger in self.taggers]
        if not is_music(outputs[0][1], music.min_music_score):
            return []
        return [
            (label.name, kind_of(label.name), round(label.score, 4), model)
            for model, labels in outputs
            for label in labels[: music.top_k]
            if label.score >= music.threshold
        ]

    def store(self, session: Session, media_file: MediaFile, result: list[tuple[str, str, float, str]]) -> None:
        replace_tags(session, media_file.id, [tagger.name for tagger in self.taggers], result)
