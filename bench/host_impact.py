"""Host impact: the share of CPU a foreground program keeps while recognize processes a library.

A foreground program (one busy process per core, like a user's compile or game) counts loop
iterations for a fixed time, first alone, then while `recognize process` runs with its default
settings (workers = cores - 1, niceness 10). The ratio is the share of its speed it keeps.

usage: python bench/host_impact.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACES = ROOT.parent / "shared" / "data" / "faces"


def busy(seconds: float, result: multiprocessing.Queue) -> None:
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        count += 1
    result.put(count)


def foreground(seconds: float) -> int:
    """Loop iterations of one busy process per core over ``seconds``."""
    result: multiprocessing.Queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=busy, args=(seconds, result)) for _ in range(os.cpu_count() or 1)]
    for process in processes:
        process.start()
    total = sum(result.get() for _ in processes)
    for process in processes:
        process.join()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-host-"))
    try:
        library = work / "library"
        library.mkdir()
        for copy in range(4):
            for index, source in enumerate(sorted((FACES / "face_recognition" / "examples").rglob("*.jp*g"))):
                shutil.copy(source, library / f"{copy}_{index:03d}_{source.name}")
        alone = foreground(args.seconds)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "recognize", "--data-dir", str(work / "home"), "process", str(library)]
        background = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(5)
        shared = foreground(args.seconds)
        still_running = background.poll() is None
        background.wait()
        print(f"{os.cpu_count()} cores; foreground: one busy process per core for {args.seconds:.0f} s")
        print(f"alone:                         {alone:,} iterations")
        print(
            f"with recognize process running: {shared:,} iterations (recognize still busy at the end: {still_running})"
        )
        print(f"share of CPU kept by the foreground program: {shared / alone:.0%}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
