"""MusiCNN on onnxruntime with float32 features: songs differ, genres come out, non-music is not music."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognize.media.audio import load_audio
from recognize.models.musicnn import PATCH_FRAMES, SAMPLE_RATE, MusicnnMsd, MusicnnMtt, patches
from recognize.tags.music import is_music

AUDIO = "audio/librosa-data"


def _clip(test_media: Path, name: str) -> np.ndarray:
    return load_audio(test_media / AUDIO / name, SAMPLE_RATE, 30)


def test_different_songs_get_different_tags(test_media: Path) -> None:
    tagger = MusicnnMsd()
    jazz = tagger.tag(_clip(test_media, "sorohanro_-_solo-trumpet-06.hq.ogg"))
    folk = tagger.tag(_clip(test_media, "Karissa_Hobbs_-_Lets_Go_Fishin.hq.ogg"))
    assert jazz[0].name == "jazz"
    assert [label.name for label in jazz[:3]] != [label.name for label in folk[:3]]
    assert all(np.isfinite(label.score) and 0 <= label.score <= 1 for label in jazz)


def test_classical_piece_is_classical_and_speech_is_not_music(test_media: Path) -> None:
    tagger = MusicnnMtt()
    brahms = tagger.tag(
        _clip(test_media, "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg")
    )
    assert brahms[0].name == "classical"
    assert is_music(brahms, 0.25)
    speech = tagger.tag(_clip(test_media, "198-209-0000.hq.ogg"))
    assert not is_music(speech, 0.25)


def test_short_clip_is_padded_to_one_patch() -> None:
    features = np.ones((40, 96), np.float32)
    assert patches(features).shape == (1, PATCH_FRAMES, 96)
    assert patches(np.ones((PATCH_FRAMES * 2 + 5, 96), np.float32)).shape == (2, PATCH_FRAMES, 96)
