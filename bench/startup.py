"""Start-up time of the CLI: ``recognize --help`` and ``recognize status`` on a small processed library,
for this checkout and for a baseline commit (a temporary git worktree), side by side in one run.
Both run with this checkout's virtual environment: a baseline from before 2026-11-30 clusters with
scikit-learn, which is no longer a dependency, so install it for the run (``pip install scikit-learn``).

usage: python bench/startup.py [--baseline REV] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "tests" / "data" / "faces" / "face_recognition" / "examples"


def timed(source: Path, home: Path, arguments: list[str], runs: int) -> list[float]:
    """Wall seconds of ``python -m recognize ARGUMENTS`` with ``source`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(source), "RECOGNIZE_HOME": str(home)}
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "recognize", *arguments], env=env, cwd=source, capture_output=True, check=True
        )
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="commit to compare with (default HEAD~1)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        baseline = work / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            library = work / "photos"
            shutil.copytree(PHOTOS, library, ignore=shutil.ignore_patterns("*.mp4", "knn_examples"))
            sources = {"baseline " + args.baseline: baseline, "this checkout": ROOT}
            homes = {name: work / f"home-{number}" for number, name in enumerate(sources)}
            for name, source in sources.items():
                env = {**os.environ, "PYTHONPATH": str(source), "RECOGNIZE_HOME": str(homes[name])}
                command = [sys.executable, "-m", "recognize", "process", str(library), "--workers", "1"]
                subprocess.run(command, env=env, cwd=source, check=True, capture_output=True)
            files = len(list(library.iterdir()))
            print(f"{args.runs} runs each; median (min-max) seconds; a library of {files} files, processed by each")
            for label, arguments in (("recognize --help", ["--help"]), ("recognize status", ["status"])):
                for name, source in sources.items():
                    seconds = timed(source, homes[name], arguments, args.runs)
                    spread = f"{min(seconds):.2f}-{max(seconds):.2f}"
                    print(f"  {label:18} {name:22} {statistics.median(seconds):.2f} ({spread})")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)], check=True)


if __name__ == "__main__":
    main()
