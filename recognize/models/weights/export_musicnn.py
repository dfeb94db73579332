"""Convert the MusiCNN taggers of the ``musicnn`` package (TF1 checkpoints) to ONNX, and save the mel basis.

Run once, in a throwaway environment (TensorFlow is never needed at run time)::

    python -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 tf2onnx==1.17.0 \\
        onnxruntime librosa av
    /tmp/tf/bin/pip install --no-deps musicnn==0.1.0
    PYTHONPATH=. TF_USE_LEGACY_KERAS=1 /tmp/tf/bin/python \\
        recognize/models/weights/export_musicnn.py ../shared/data/audio

For every clip under the given folder it checks that this project's float32 features match
librosa's and that the ONNX taggers match TensorFlow, then prints each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import librosa
import musicnn
import numpy as np
import onnxruntime
import tensorflow as tf
import tf2onnx
from musicnn import models

from recognize.media.audio import load_audio
from recognize.models.musicnn import (
    FFT_SIZE,
    HOP,
    MEL_BASIS_FILE,
    PATCH_FRAMES,
    SAMPLE_RATE,
    MusicnnMsd,
    MusicnnMtt,
    log_mel,
    patches,
)

HERE = Path(__file__).parent
CHECKPOINTS = {MusicnnMtt: "MTT_musicnn", MusicnnMsd: "MSD_musicnn"}
AUDIO_SUFFIXES = {".ogg", ".flac", ".wav", ".mp3"}


def frozen_graph(checkpoint: str, labels: int) -> tuple[tf.compat.v1.GraphDef, tf.compat.v1.Session]:
    """The inference graph (batch x 187 x 96 -> sigmoid tags) with the checkpoint's weights as constants."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, PATCH_FRAMES, 96], name="melspectrogram")
        logits = models.define_model(x, False, checkpoint, labels)[0]
        tf.nn.sigmoid(logits, name="tags")
        session = tf.compat.v1.Session(graph=graph)
        tf.compat.v1.train.Saver().restore(session, str(Path(musicnn.__file__).parent / checkpoint) + "/")
        frozen = tf.compat.v1.graph_util.convert_variables_to_constants(session, graph.as_graph_def(), ["tags"])
    return frozen, session


def main() -> None:
    assert librosa.time_to_frames(3, sr=SAMPLE_RATE, n_fft=FFT_SIZE, hop_length=HOP) + 1 == PATCH_FRAMES
    mel_basis = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=FFT_SIZE, n_mels=96).astype(np.float32)
    np.save(HERE / MEL_BASIS_FILE, mel_basis)
    clips = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    feature_error = 0.0
    batches = {}
    for clip in clips:
        waveform = load_audio(clip, SAMPLE_RATE, 60)
        reference = librosa.feature.melspectrogram(
            y=waveform, sr=SAMPLE_RATE, hop_length=HOP, n_fft=FFT_SIZE, n_mels=96
        ).T.astype(np.float32)
        ours = log_mel(waveform, mel_basis)
        feature_error = max(feature_error, float(np.abs(np.log10(10000 * reference + 1) - ours).max()))
        batches[clip.name] = patches(ours)
    print(f"clips: {len(clips)}; max |log-mel difference| vs librosa: {feature_error:.2e}")
    for tagger, checkpoint in CHECKPOINTS.items():
        graph, session = frozen_graph(checkpoint, len(tagger.labels))
        model, _ = tf2onnx.convert.from_graph_def(
            graph, input_names=["melspectrogram:0"], output_names=["tags:0"], opset=17
        )
        path = HERE / tagger.onnx_file
        path.write_bytes(model.SerializeToString())
        onnx_session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        input_name = onnx_session.get_inputs()[0].name
        worst, same_top = 0.0, 0
        for name, batch in batches.items():
            expected = session.run("tags:0", {"melspectrogram:0": batch})
            got = onnx_session.run(None, {input_name: batch})[0]
            worst = max(worst, float(np.abs(expected - got).max()))
            same_top += int(expected.mean(0).argmax() == got.mean(0).argmax())
            top = [tagger.labels[i] for i in np.argsort(got.mean(0))[::-1][:3]]
            print(f"  {checkpoint} {name[:40]:40} {', '.join(top)}")
        print(f"{checkpoint}: max |difference| vs TensorFlow {worst:.2e}; same top tag {same_top}/{len(batches)}")
        if worst > 1e-4 or same_top != len(batches):
            sys.exit("the ONNX conversion does not match TensorFlow")
    for name in (MusicnnMtt.onnx_file, MusicnnMsd.onnx_file, MEL_BASIS_FILE):
        print(f"{name}: sha256 {hashlib.sha256((HERE / name).read_bytes()).hexdigest()}")
    print(f"tensorflow {tf.__version__}, tf2onnx {tf2onnx.__version__}, librosa {librosa.__version__}")


if __name__ == "__main__":
    main()
