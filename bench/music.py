"""Music benchmark: on the labelled clips of ../shared/data/audio, the share of music clips whose expected
genre is among their tags, the share of non-music clips given no genre, and seconds per track.

Ours: float32 log-mel features, MusiCNN MTT + MSD on onnxruntime, the music gate, top-5 tags per
tagger above the threshold. Baseline, same run and same ONNX models: the ``musicnn`` package's
way, float16 features (mel power cast to float16 before the log) and its top-3 tags per tagger,
without the gate.

usage: python bench/music.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from recognize.config import MusicSettings
from recognize.media.audio import load_audio
from recognize.models.base import Label
from recognize.models.musicnn import SAMPLE_RATE, MusicnnMsd, MusicnnMtt, log_mel, patches
from recognize.tags.music import KINDS, is_music

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "data" / "audio"
MUSIC: dict[str, set[str]] = {
    "librosa-data/Kevin_MacLeod_-_Vibe_Ace.hq.ogg": {"jazz"},
    "librosa-data/sorohanro_-_solo-trumpet-06.hq.ogg": {"jazz"},
    "librosa-data/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg": {"classical"},
    "librosa-data/Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.hq.ogg": {"classical"},
    "librosa-data/442789__lena-orsa__happy-music-pistachio-ice-cream-ragtime.hq.ogg": {"jazz", "ragtime"},
    "librosa-data/147793__setuniman__sweet-waltz-0i-22mi.hq.ogg": {"classical", "waltz"},
}
NOT_MUSIC = [
    "dlib-ffmpeg_data/116-288045-0000.flac",
    "librosa-data/198-209-0000.hq.ogg",
    "librosa-data/3436-172162-0000.hq.ogg",
    "librosa-data/5703-47212-0000.hq.ogg",
    "librosa-data/456440__inspectorj__bird-whistling-robin-single-13.hq.ogg",
    "librosa-data/glacier-bay-humpback.hq.ogg",
    "librosa-data/pibble.hq.ogg",
]

NOT_GENRES = set().union(*KINDS.values())


def float16_tags(tagger: MusicnnMtt | MusicnnMsd, waveform: np.ndarray) -> list[Label]:
    """The package's feature path: mel power in float16 before the log (overflows)."""
    session, mel_basis = tagger.loaded
    power_mel = np.power(10, log_mel(waveform, mel_basis).astype(np.float64)) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        features = np.log10(10000 * (power_mel / 10000).astype(np.float16) + 1).astype(np.float32)
    scores = session.run(None, {session.get_inputs()[0].name: patches(features)})[0].mean(axis=0)
    return sorted((Label(n, float(s)) for n, s in zip(tagger.labels, scores, strict=True)), key=lambda x: -x.score)


def top(labels: list[Label], settings: MusicSettings) -> list[str]:
    return [label.name for label in labels[: settings.top_k] if label.score >= settings.threshold]


def main() -> None:
    settings = MusicSettings()
    taggers = (MusicnnMtt(), MusicnnMsd())
    ours_music = base_music = ours_quiet = base_quiet = 0
    seconds: list[float] = []
    audio_seconds: list[float] = []
    base_tops: set[tuple[str, ...]] = set()
    for name in [*MUSIC, *NOT_MUSIC]:
        path = AUDIO / name
        start = time.perf_counter()
        waveform = load_audio(path, SAMPLE_RATE, settings.max_seconds)
        outputs = [tagger.tag(waveform) for tagger in taggers]
        music = is_music(outputs[0], settings.min_music_score)
        tags = list(dict.fromkeys(tag for labels in outputs for tag in top(labels, settings))) if music else []
        seconds.append(time.perf_counter() - start)
        audio_seconds.append(waveform.size / SAMPLE_RATE)
        baseline = list(dict.fromkeys(label.name for t in taggers for label in float16_tags(t, waveform)[:3]))
        base_tops.add(tuple(baseline))
        if name in MUSIC:
            ours_music += bool(MUSIC[name] & set(tags))
            base_music += bool(MUSIC[name] & set(baseline))
        else:
            ours_quiet += not tags
            base_quiet += not set(baseline) - NOT_GENRES
        print(f"{Path(name).name[:40]:40} ours: {', '.join(tags) or '(not music)'}")
        print(f"{'':40} baseline float16: {', '.join(baseline)}")
    print()
    print(
        f"music clips with the expected genre among their tags: ours {ours_music}/{len(MUSIC)}, "
        f"baseline {base_music}/{len(MUSIC)}"
    )
    print(f"non-music clips given no genre: ours {ours_quiet}/{len(NOT_MUSIC)}, baseline {base_quiet}/{len(NOT_MUSIC)}")
    print(f"distinct baseline tag lists over {len(MUSIC) + len(NOT_MUSIC)} clips: {len(base_tops)}")
    print(
        f"seconds per track (decode + both taggers), mean {np.mean(seconds):.2f} for {np.mean(audio_seconds):.0f} s "
        f"of audio on average; {sum(seconds) / sum(audio_seconds) * 60:.2f} s per minute of audio"
    )


if __name__ == "__main__":
    main()
