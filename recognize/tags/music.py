"""Music: genre, mood, instrument, voice and era tags from the MusiCNN MTT and MSD taggers.

A clip is taken for music only when some MTT instrument or genre tag reaches ``min_music_score``:
speech, birds, whales and dogs otherwise get genres (speech looks like hip-hop to MSD).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from recognize.config import Settings
from recognize.jobs.analysis import Analysis, FileJob
from recognize.media.audio import load_audio
from recognize.models.base import AudioTagger, Label
from recognize.models.registry import audio_tagger
from recognize.storage.models import MediaFile
from recognize.tags.store import replace_tags

MUSIC_EVIDENCE = frozenset(
    {
        "guitar", "classical", "techno", "strings", "drums", "electronic", "rock", "piano", "violin", "synth",
        "harpsichord", "flute", "sitar", "harp", "cello", "pop", "country", "metal", "dance", "beat", "beats",
        "choir", "choral", "opera", "indian", "new age",
    }
)  # fmt: skip
KINDS = {
    "mood": {
        "slow", "fast", "ambient", "loud", "quiet", "soft", "weird", "beautiful", "chillout", "Mellow", "chill",
        "party", "easy listening", "sexy", "catchy", "sad", "happy",
    },
    "instrument": {
        "guitar", "strings", "drums", "piano", "violin", "synth", "harpsichord", "flute", "sitar", "harp", "cello",
        "beat", "beats", "instrumental", "acoustic",
    },
    "voice": {
        "vocal", "female", "male", "singing", "vocals", "no vocals", "woman", "male vocal", "no vocal", "man",
        "voice", "male voice", "female vocal", "no voice", "female voice", "female vocalists", "male vocalists",
        "female vocalist", "solo", "choir", "choral",
    },
    "era": {"00s", "80s", "90s", "70s", "60s", "oldies"},
}  # fmt: skip
TAGGERS = ("musicnn-mtt", "musicnn-msd")


def kind_of(tag: str) -> str:
    """genre, mood, instrument, voice or era."""
    return next((kind for kind, names in KINDS.items() if tag in names), "genre")


def is_music(mtt: list[Label], min_score: float) -> bool:
    """Whether an instrument or genre of the MTT tagger is heard clearly enough."""
    return any(label.score >= min_score for label in mtt if label.name in MUSIC_EVIDENCE)


class MusicAnalysis(Analysis):
    """Tags audio files that are music; other audio gets no tags."""

    name = "music"
    media = frozenset({"audio"})
    requires = ("metadata",)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.taggers: list[AudioTagger] = [audio_tagger(name) for name in TAGGERS]
        self.model = "+".join(tagger.name for tagger in self.taggers)

    def enabled(self) -> bool:
        return self.settings.tags.music.enabled

    def compute(self, job: FileJob) -> list[tuple[str, str, float, str]]:
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
