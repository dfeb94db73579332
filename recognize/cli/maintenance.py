"""Looking after the data folder: an online backup of the database."""

from __future__ import annotations

from pathlib import Path

import typer

from recognize.cli.common import app_for, cli, console, fail


@cli.command()
def backup(ctx: typer.Context, destination: Path) -> None:
    """Copy the SQLite database to DESTINATION (a new file) while the service runs; PostgreSQL: use pg_dump."""
    from recognize.storage.database import BackupError

    app = app_for(ctx)
    try:
        app.database.backup(destination.absolute())
    except BackupError as error:
        fail(str(error), code=1)
    finally:
        app.close()
    console.print(
        f"backed up the database to {destination}; to restore, stop recognize, put it in place of "
        "recognize.db and delete recognize.db-wal and recognize.db-shm"
    )
