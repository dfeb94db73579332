"""Command line: each command builds the App and calls one library function."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from recognize.api.export import export_user
from recognize.api.status import user_status
from recognize.app import App
from recognize.config import load_settings
from recognize.library.libraries import LibraryError, get_or_create_user

cli = typer.Typer(
    help="recognize: faces, persons and tags for your own photo library, on your own machine.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
library_cli = typer.Typer(help="Manage libraries (mount points).", no_args_is_help=True)
cli.add_typer(library_cli, name="library")
console = Console(stderr=True)

UserOption = Annotated[
    str | None, typer.Option("--user", "-u", help="User to act for (default: RECOGNIZE_USER or 'admin').")
]


@cli.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="RECOGNIZE_HOME", help="Folder for the database, thumbnails and caches."),
    ] = None,
) -> None:
    """Options shared by every command."""
    ctx.obj = {"home": data_dir} if data_dir else {}


def _app(ctx: typer.Context, **overrides: Any) -> App:
    return App(load_settings(**ctx.obj, **overrides))


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )


@library_cli.command("add")
def library_add(ctx: typer.Context, path: Path, user: UserOption = None) -> None:
    """Add a folder as a library of a user."""
    app = _app(ctx)
    try:
        library = app.add_library(path, user)
    except LibraryError as error:
        _fail(str(error))
    console.print(f"library {library.id}: {library.root}")


@library_cli.command("list")
def library_list(ctx: typer.Context, user: UserOption = None) -> None:
    """List a user's libraries."""
    for library in _app(ctx).libraries(user):
        typer.echo(f"{library.id}\t{library.root}")


@cli.command()
def scan(ctx: typer.Context, user: UserOption = None) -> None:
    """Scan every library of a user for new, changed, moved and deleted files."""
    app = _app(ctx)
    for root, report in app.scan(app.libraries(user)).items():
        console.print(
            f"{root}: {report.added} new, {report.changed} changed, {report.moved} moved, {report.deleted} deleted, "
            f"{report.unchanged} unchanged, {report.errors} errors ({report.seconds:.2f} s)"
        )


@cli.command()
def process(
    ctx: typer.Context,
    path: Path,
    user: UserOption = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = None,
) -> None:
    """Add PATH as a library if needed, scan it and run every enabled analysis to completion."""
    app = _app(ctx, **({"workers": workers} if workers else {}))
    try:
        with _progress() as bars:
            tasks: dict[str, Any] = {}

            def show(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = bars.add_task(name, total=total)
                bars.update(tasks[name], completed=done, total=total)

            report = app.process(path, user, show)
    except LibraryError as error:
        _fail(str(error))
    for root, scanned in report.scans.items():
        console.print(
            f"{root}: {scanned.added} new, {scanned.changed} changed, {scanned.moved} moved, {scanned.deleted} deleted"
        )
    for name, done in report.analyses.done.items():
        console.print(f"{name}: {done} done, {report.analyses.failed[name]} failed")


@cli.command()
def status(
    ctx: typer.Context, user: UserOption = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Counts per library and analysis, and every recorded error."""
    app = _app(ctx)
    with app.database.session() as session:
        data = user_status(session, get_or_create_user(session, user or app.settings.user), app.settings)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    out = Console()
    for library in data["libraries"]:
        out.print(f"[bold]{library['root']}[/] (scanned {library['scanned_at'] or 'never'})")
        out.print("  files: " + ", ".join(f"{count} {media}" for media, count in library["files"].items()))
        table = Table("analysis", "done", "failed", "pending")
        for name, counts in library["analyses"].items():
            table.add_row(name, str(counts["done"]), str(counts["failed"]), str(counts["pending"]))
        out.print(table)
        if library["errors"]:
            errors = Table("file", "stage", "reason", title=f"{len(library['errors'])} errors")
            for error in library["errors"]:
                errors.add_row(error["path"], error["stage"], error["reason"])
            out.print(errors)


@cli.command()
def export(ctx: typer.Context, user: UserOption = None) -> None:
    """Print one JSON document with every file, its tags and faces, and the persons."""
    app = _app(ctx)
    with app.database.session() as session:
        document = export_user(session, get_or_create_user(session, user or app.settings.user))
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


@cli.command()
def run(
    ctx: typer.Context,
    path: Path,
    user: UserOption = None,
    interval: Annotated[float, typer.Option(help="Seconds between rescans for new files.")] = 60.0,
) -> None:
    """Serve a folder: process it, then keep picking up new and changed files until stopped."""
    app = _app(ctx)
    library = app.add_library(path, user)
    console.print(f"recognize is watching {library.root} (data in {app.settings.home}); Ctrl-C stops it")
    try:
        while True:
            report = app.process(path, user)
            for name, done in report.analyses.done.items():
                if done or report.analyses.failed[name]:
                    console.print(f"{name}: {done} done, {report.analyses.failed[name]} failed")
            time.sleep(interval)
    except KeyboardInterrupt:
        console.print("stopped")
