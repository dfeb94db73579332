"""Objects benchmark: on the labelled photos of ../shared/data/photos, the share whose expected label is
among the top-5 tags, and milliseconds per photo, single process, one onnxruntime thread.

Ours: decode at the objects working size (JPEG draft mode), EfficientNet-Lite0 on onnxruntime, top-5
tags with everyday tags ("cat" for "tabby"). Baseline, same run: full-size decode and the raw top-5
ImageNet class names, the way a plain classifier script reports them. Photos whose subject has no
ImageNet class (textures, paintings, space) are listed but not counted.

usage: python bench/objects.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from recognize.config import ObjectSettings
from recognize.media.images import load_image
from recognize.models.efficientnet_lite0 import EfficientNetLite0
from recognize.tags.objects import labels_from

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "photos"
EXPECTED: dict[str, set[str]] = {
    "debian-python3-skimage/camera.png": {"tripod", "reflex camera", "Polaroid camera"},
    "debian-python3-skimage/chelsea.png": {"cat"},
    "debian-python3-skimage/coffee.png": {"coffee", "espresso", "cup"},
    "debian-python3-skimage/horse.png": {"horse"},
    "debian-python3-skimage/motorcycle_left.png": {"motorcycle"},
    "debian-python3-skimage/rocket.jpg": {"rocket"},
    "imageio-binaries/kodim03.png": {"cowboy hat", "sombrero"},
    "imageio-binaries/wikkie.png": {"cat"},
    "debian-opencv-doc/apple.jpg": {"fruit", "Granny Smith"},
    "debian-opencv-doc/baboon.jpg": {"monkey"},
    "debian-opencv-doc/building.jpg": {"building"},
    "debian-opencv-doc/butterfly.jpg": {"butterfly"},
    "debian-opencv-doc/fruits.jpg": {"fruit", "orange", "lemon"},
    "debian-opencv-doc/home.jpg": {"building"},
    "debian-opencv-doc/messi5.jpg": {"ball", "person"},
    "debian-opencv-doc/orange.jpg": {"orange", "fruit"},
    "debian-opencv-doc/plant.jpg": {"pot"},
    "debian-opencv-doc/squirrel_cls.jpg": {"squirrel"},
    "debian-labelme-examples/0001.jpg": {"cat"},
    "debian-labelme-examples/0002.jpg": {"dog"},
    "debian-labelme-examples/voc_2011_000003.jpg": {"drink", "beer bottle", "wine bottle", "pop bottle"},
    "debian-labelme-examples/voc_2011_000006.jpg": {"studio couch", "folding chair", "rocking chair"},
    "debian-labelme-examples/voc_2011_000025.jpg": {"bus", "car"},
    "dlib-ffmpeg_data/dog.jpg": {"dog", "bicycle", "car", "truck"},
    "dlib-ffmpeg_data/eagle.jpg": {"bird"},
    "dlib-ffmpeg_data/giraffe.jpg": {"zebra"},
    "dlib-ffmpeg_data/horses.jpg": {"horse"},
}


def main() -> None:
    classifier = EfficientNetLite0()
    settings = ObjectSettings()
    classes = classifier.classes
    ours_hits = base_hits = 0
    ours_ms: list[float] = []
    base_ms: list[float] = []
    photos = sorted(p for p in PHOTOS.rglob("*") if p.suffix.lower() in {".jpg", ".png"})
    classifier.classify(np.zeros((224, 224, 3), np.uint8))
    print(f"{'photo':45} {'expected':28} ours (top-5 tags)")
    for path in photos:
        name = str(path.relative_to(PHOTOS))
        start = time.perf_counter()
        decoded = load_image(path, 100_000_000, 16, settings.working_size)
        labels = labels_from(classifier.classify(decoded.pixels), classes, settings)[:5]
        ours_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        full = load_image(path, 100_000_000, 16)
        probabilities = classifier.classify(full.pixels)
        raw = [classes[i] for i in np.argsort(probabilities)[::-1][:5]]
        base_ms.append((time.perf_counter() - start) * 1000)
        expected = EXPECTED.get(name)
        tags = [label.name for label in labels]
        if expected is not None:
            ours_hits += bool(expected & set(tags))
            base_hits += bool(expected & set(raw))
        mark = "-" if expected is None else ("ok" if expected & set(tags) else "MISS")
        shown = ", ".join(f"{label.name} {label.score:.2f}" for label in labels) or "(none above threshold)"
        wanted = ", ".join(sorted(expected)) if expected else "no ImageNet class"
        print(f"{name[:45]:45} {wanted[:28]:28} {mark:4} {shown}")
    counted = len(EXPECTED)
    print()
    print(f"photos: {len(photos)}, with an ImageNet-expressible label: {counted}")
    print(
        f"expected label among top-5: ours {ours_hits}/{counted} ({ours_hits / counted:.0%}), "
        f"baseline raw top-5 class names {base_hits}/{counted} ({base_hits / counted:.0%})"
    )
    print(
        f"ms per photo (decode + classify), median: ours {np.median(ours_ms):.1f}, "
        f"baseline full-size decode {np.median(base_ms):.1f}"
    )


if __name__ == "__main__":
    main()
