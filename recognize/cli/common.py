"""What every command shares: the Typer app, the console, the --user option, building the App."""

from __future__ import annotations

import atexit
import gc
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recognize.app import App
    from recognize.library.accounts import User
    from recognize.library.webdav_login import WebDavLogin

cli = typer.Typer(
    help="recognize: faces, persons and tags for your own photo library, on your own machine.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


console = Console(stderr=True)

# The interpreter's last garbage collection walks every object a command created (0.2 s after
# `recognize status`). Nothing here relies on it: files and the database are closed explicitly.
atexit.register(gc.freeze)


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
    """The App for this command; a data folder or database it cannot use ends the command with one sentence."""
    from recognize.app import App, SetupError
    from recognize.config import load_settings

    try:
        return App(load_settings(**ctx.obj, **overrides))
    except SetupError as error:
        fail(str(error), code=1)


def existing_user(session: Session, name: str) -> User:
    """The user called ``name``; a command for a user that does not exist fails (a typo never creates one)."""
    from recognize.library.libraries import find_user

    user = find_user(session, name)
    if user is None:
        fail(f"no such user: {name} (users are made by `recognize user add`, or by adding a library for them)")
    return user


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` and exit (2: the request was refused; 1: it could not be carried out)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def progress_bars() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )


PathOrUrl = Annotated[str, typer.Argument(metavar="PATH", help="A folder, or the https:// URL of a WebDAV folder.")]
LoginOption = Annotated[
    str | None,
    typer.Option("--login", help="WebDAV user name (default: the NAME of a .../dav/files/NAME/... URL)."),
]
UserPasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def read_user_password(from_stdin: bool) -> str:
    """A user's password: one line of standard input, or asked for without echoing it."""
    import sys

    return sys.stdin.readline().rstrip("\n") if from_stdin else typer.prompt("password", hide_input=True)


PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the WebDAV (app) password from standard input.")
]
InsecureOption = Annotated[bool, typer.Option("--insecure", help="Allow a plain http:// WebDAV server elsewhere.")]


def webdav_login(path: str, login: str | None, password_stdin: bool, insecure: bool) -> WebDavLogin | None:
    """The login for a WebDAV library given on the command line (None for a folder, or when none is given)."""
    import sys

    from recognize.library.webdav_login import WebDavLogin, is_url, login_in_url

    if not is_url(path):
        return None
    password = sys.stdin.readline().rstrip("\n") if password_stdin else ""
    return WebDavLogin(login or login_in_url(path), password, insecure)
