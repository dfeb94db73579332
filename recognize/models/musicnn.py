"""MusiCNN music taggers (ISC), MTT (MagnaTagATune) and MSD (Million Song Dataset), converted to ONNX.

``weights/export_musicnn.py`` froze the ``musicnn`` package's TF1 checkpoints and converted them with
tf2onnx (see ``weights/SOURCES.md``). The log-mel features are computed here in float32: the
package's float16 features overflow and give every song the same tags.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from recognize.models.base import AudioTagger, Label
from recognize.models.onnx_session import WEIGHTS, inference_session, weights_file

SAMPLE_RATE = 16000
FFT_SIZE = 512
HOP = 256
PATCH_FRAMES = 187
MEL_BASIS_FILE = "musicnn_mel_basis.npy"

MTT_LABELS = [
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast", "piano",
    "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male", "singing",
    "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman", "male vocal", "no vocal", "pop",
    "soft", "sitar", "solo", "man", "classic", "choir", "voice", "new age", "dance", "male voice",
    "female vocal", "beats", "harp", "cello", "no voice", "weird", "country", "metal", "female voice", "choral",
]  # fmt: skip
MSD_LABELS = [
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s", "alternative rock",
    "jazz", "beautiful", "metal", "chillout", "male vocalists", "classic rock", "soul", "indie rock", "Mellow",
    "electronica", "80s", "folk", "90s", "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient",
    "acoustic", "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
    "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal", "Progressive rock", "60s", "rnb",
    "indie pop", "sad", "House", "happy",
]  # fmt: skip


def log_mel(waveform: np.ndarray, mel_basis: np.ndarray) -> np.ndarray:
    """``log10(10000 * mel + 1)`` frames x 96, float32 throughout (librosa's centred power STFT, Hann)."""
    padded = np.pad(waveform.astype(np.float32), FFT_SIZE // 2)
    count = 1 + (padded.size - FFT_SIZE) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, FFT_SIZE), strides=(padded.strides[0] * HOP, padded.strides[0])
    )
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FFT_SIZE) / FFT_SIZE)).astype(np.float32)
    power = (np.abs(np.fft.rfft(frames * window, axis=1)) ** 2).astype(np.float32)
    return np.log10(10000 * (power @ mel_basis.T) + 1).astype(np.float32)


def patches(features: np.ndarray) -> np.ndarray:
    """Consecutive 3 s patches (187 frames); a shorter clip is padded with silence to one patch."""
    if features.shape[0] < PATCH_FRAMES:
        features = np.pad(features, ((0, PATCH_FRAMES - features.shape[0]), (0, 0)))
    count = features.shape[0] // PATCH_FRAMES
    return features[: count * PATCH_FRAMES].reshape(count, PATCH_FRAMES, features.shape[1])


class Musicnn(AudioTagger):
    """One MusiCNN tagger: mean sigmoid output over the clip's 3 s patches.

    Patches go through one at a time: faster here than batches, and a batch of 16 held 450 MB
    more of activations (measured on a 61 s clip).
    """

    sample_rate = SAMPLE_RATE
    onnx_file: ClassVar[str]
    onnx_sha256: ClassVar[str]
    labels: ClassVar[list[str]]

    def load(self) -> tuple[object, np.ndarray]:
        session = inference_session(weights_file(self.onnx_file, self.onnx_sha256))
        return session, np.load(WEIGHTS / MEL_BASIS_FILE)

    def tag(self, waveform: np.ndarray) -> list[Label]:
        session, mel_basis = self.loaded
        batch = patches(log_mel(waveform, mel_basis))
        inputs = session.get_inputs()[0].name
        scores = np.concatenate([session.run(None, {inputs: patch[np.newaxis]})[0] for patch in batch])
        labels = (Label(name, float(score)) for name, score in zip(self.labels, scores.mean(axis=0), strict=True))
        return sorted(labels, key=lambda label: -label.score)


class MusicnnMtt(Musicnn):
    """MagnaTagATune tags: instruments, genres, moods, voice."""

    name = "musicnn-0.1.0-MTT"
    onnx_file = "musicnn_mtt.onnx"
    onnx_sha256 = "015c4e9b24fc02a5944458f94e429c26c5f95013745c6fd2bab23e419bb395dd"
    labels = MTT_LABELS


class MusicnnMsd(Musicnn):
    """Million Song Dataset tags: genres, decades, moods."""

    name = "musicnn-0.1.0-MSD"
    onnx_file = "musicnn_msd.onnx"
    onnx_sha256 = "3d434ec0e242d16522417ab444e47b4c67832c3bebac3e74b87f01e2d09928ed"
    labels = MSD_LABELS
