"""Family benchmark: persons on the FIW family dev set, where parents, children and siblings share photos.

Builds nothing: give it the folder ``../shared/tools/family_devset.py build`` made (``library/`` and
``truth.json``; research data, kept in a git-ignored folder). For each embedder it runs
``recognize process`` on the library exactly as a user would (the default settings, the real queue
and workers), scores ``recognize export`` with the dev set's own scorer (pairwise precision, recall,
relative pairs merged), and then the frontier: every face grouped again in one pass with
``cluster_distance`` at several multiples of the model's value.

usage: python bench/faces_families.py FAMILY_DIR [--embedders faceres resnet] [--workers N]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, update

from recognize.app import App
from recognize.config import load_settings
from recognize.export import export_user
from recognize.faces.grouping import update_persons
from recognize.library.libraries import find_user
from recognize.models.registry import EMBEDDERS
from recognize.storage.models import Face, Person

SCORER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "family_devset.py"
FACTORS = (0.85, 0.9, 0.95, 1.0, 1.05, 1.1)
CELL_SIDE = 336
SCORE_LINE = re.compile(r"precision ([\d.]+) recall ([\d.]+) relatives merged ([\d.]+)")


def _scorer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("family_devset", SCORER)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def score(document: dict, family_dir: Path) -> tuple[float, float, float, str]:
    """(precision, recall, relatives merged, the scorer's line) of an export document."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(document, handle)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        _scorer().score(handle.name, str(family_dir))
    os.unlink(handle.name)
    line = printed.getvalue().strip()
    found = SCORE_LINE.search(line)
    if found is None:
        raise RuntimeError(f"unexpected scorer output: {line}")
    precision, recall, merged = (float(value) for value in found.groups())
    return precision, recall, merged, line


def recognize(home: Path, embedder: str, *args: str) -> str:
    env = {**os.environ, "RECOGNIZE_FACES__EMBEDDER": embedder, "RECOGNIZE_USER": "bench"}
    command = [sys.executable, "-m", "recognize", "--data-dir", str(home), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def frontier(home: Path, embedder: str, family_dir: Path) -> None:
    app = App(load_settings(home=home, faces={"embedder": embedder}))
    with app.database.session() as session:
        user = find_user(session, "bench")
        base = app.clustering_settings(user)
        print(
            "  one-update frontier (every face grouped again: cluster_distance x factor, then joins to the new persons)"
        )
        print(f"  {'cluster_distance':>16} {'precision':>9} {'recall':>6} {'relatives merged':>16}")
        for factor in FACTORS:
            distance = round((base.cluster_distance or 0) * factor, 3)
            session.execute(update(Face).values(person_id=None, assigned_by=None))
            session.execute(delete(Person))
            update_persons(session, user.id, base.model_copy(update={"cluster_distance": distance}))
            precision, recall, merged, _ = score(export_user(session, user), family_dir)
            print(f"  {distance:16.3f} {precision:9.3f} {recall:6.3f} {merged * 100:15.2f}%")
            session.rollback()
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family_dir", type=Path)
    parser.add_argument("--embedders", nargs="*", default=sorted(EMBEDDERS))
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    args = parser.parse_args()
    library = args.family_dir / "library"
    if not (library.is_dir() and (args.family_dir / "truth.json").is_file()):
        sys.exit(
            f"skipped: {args.family_dir} holds no built family dev set; build it with "
            "../shared/tools/family_devset.py build FITW2020_GIT_DIR FAMILY_DIR (see its docstring)"
        )
    photos = len(list(library.glob("*.jpg")))
    for embedder in args.embedders:
        with tempfile.TemporaryDirectory(prefix="recognize-families-") as folder:
            home = Path(folder)
            started = time.perf_counter()
            recognize(home, embedder, "process", str(library), "--workers", str(args.workers))
            seconds = time.perf_counter() - started
            line = score(json.loads(recognize(home, embedder, "export")), args.family_dir)[3]
            print(f"\n{embedder} ({EMBEDDERS[embedder].name}), recognize process: {photos} photos in {seconds:.0f} s")
            print(f"  defaults: {line}")
            frontier(home, embedder, args.family_dir)


if __name__ == "__main__":
    main()
