"""Audio decoding with PyAV: any container and codec FFmpeg reads, to float32 mono at a given rate."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from recognize.media.errors import MediaError


def load_audio(path: Path, sample_rate: int, max_seconds: float) -> np.ndarray:
    """The first ``max_seconds`` of the first audio stream, mono float32 at ``sample_rate``."""
    wanted = int(sample_rate * max_seconds)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError("file has no audio stream")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            for frame in container.decode(container.streams.audio[0]):
                for resampled in resampler.resample(frame):
                    chunk = resampled.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if total >= wanted:
                    break
            else:
                chunks.extend(resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(None))
    except FileNotFoundError as error:
        raise MediaError("file vanished before it could be read") from error
    except (av.FFmpegError, OSError, ValueError) as error:
        raise MediaError(f"audio data is damaged: {error}") from error
    waveform = np.concatenate(chunks)[:wanted].astype(np.float32) if chunks else np.zeros(0, np.float32)
    if waveform.size == 0:
        raise MediaError("audio has no samples")
    return waveform
