"""What every command shares: the Typer app, the console, the --user option, building the App."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from recognize.app import App
from recognize.config import load_settings

cli = typer.Typer(
    help="recognize: faces, persons and tags for your own photo library, on your own machine.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


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


def app_for(ctx: typer.Context, **overrides: Any) -> App:
    return App(load_settings(**ctx.obj, **overrides))


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def progress_bars() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )
