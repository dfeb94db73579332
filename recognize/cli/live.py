"""The live display of ``recognize run``: where to log in, and per analysis what is done, failed and left."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from recognize.app import App

REFRESH_SECONDS = 2.0
LATEST_ERRORS = 5


def status_view(app: App, library_id: int, header: list[str]) -> Group:
    """Header lines, a table per analysis (done, failed, queued, pending, rate, ETA) and the latest errors."""
    from recognize.jobs.progress import library_status

    library = app.library(library_id)
    assert library is not None  # the service added it before showing this view
    with app.database.session() as session:
        status = library_status(session, library, app.settings)
    files = ", ".join(f"{count} {media}" for media, count in status["files"].items()) or "none yet"
    analyses = status["analyses"]
    finished = status["scanned_at"] is not None and all(c["queued"] + c["pending"] == 0 for c in analyses.values())
    table = Table("analysis", "done", "failed", "queued", "pending", "per minute", "ETA", box=None)
    for name, counts in analyses.items():
        eta = counts["eta_seconds"]
        shown = [str(counts[key]) for key in ("done", "failed", "queued", "pending")]
        rate = "" if finished or not counts["queued"] + counts["pending"] else str(counts["per_minute"])
        table.add_row(name, *shown, rate, f"{eta // 60} min {eta % 60} s" if eta is not None and rate else "")
    parts: list[object] = [Text(line) for line in header]
    parts += [Text(f"{status['root']}: files found: {files}"), table]
    if finished:
        done = sum(c["done"] for c in analyses.values())
        parts.append(Text(f"All done ({done} results): watching for new files.", style="green"))
    errors = status["errors"]
    if errors:
        parts.append(Text(f"{len(errors)} files could not be analysed; the latest:", style="yellow"))
        parts += [Text(f"  {error['path']}: {error['reason']}") for error in errors[-LATEST_ERRORS:]]
    return Group(*parts)


class LiveStatus:
    """Redraws the status view every few seconds in a thread until stopped."""

    def __init__(self, app: App, library_id: int, header: list[str], console: Console) -> None:
        self.app, self.library_id, self.header, self.console = app, library_id, header, console
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-status", daemon=True)

    def start(self) -> None:
        """Begin redrawing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop redrawing and leave the last view on screen."""
        self._stop.set()
        self._thread.join(timeout=REFRESH_SECONDS * 2)

    def _run(self) -> None:
        with Live(self._view(), console=self.console, refresh_per_second=1, transient=False) as live:
            while not self._stop.wait(REFRESH_SECONDS):
                live.update(self._view())

    def _view(self) -> Group:
        return status_view(self.app, self.library_id, self.header)
