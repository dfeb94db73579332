"""Music: genre, mood, instrument, voice and era tags from the MusiCNN MTT and MSD taggers.

A clip is taken for music only when some MTT instrument or genre tag reaches ``min_music_score``:
speech, birds, whales and dogs otherwise get genres (speech looks like hip-hop to MSD).
"""

from __future__ import annotations

from recognize.models.base import Label

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
