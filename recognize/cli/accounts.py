"""Commands about who and where: libraries, users (settings, library roots), API tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from recognize.cli.common import (
    InsecureOption,
    LoginOption,
    PasswordStdinOption,
    PathOrUrl,
    UserOption,
    UserPasswordStdinOption,
    app_for,
    cli,
    console,
    existing_user,
    fail,
    read_user_password,
    webdav_login,
)

library_cli = typer.Typer(help="Manage libraries (mount points).", no_args_is_help=True)


cli.add_typer(library_cli, name="library")


@library_cli.command("add")
def library_add(
    ctx: typer.Context,
    path: PathOrUrl,
    user: UserOption = None,
    login: LoginOption = None,
    password_stdin: PasswordStdinOption = False,
    insecure: InsecureOption = False,
) -> None:
    """Add a folder, or a WebDAV folder's URL (with its login), as a library of a user."""
    from recognize.library.libraries import LibraryError

    app = app_for(ctx)
    try:
        library = app.add_library(path, user, webdav_login(path, login, password_stdin, insecure))
    except LibraryError as error:
        fail(str(error))
    console.print(f"library {library.id}: {library.root}")


@library_cli.command("list")
def library_list(ctx: typer.Context, user: UserOption = None) -> None:
    """List a user's libraries."""
    app = app_for(ctx)
    with app.database.session() as session:
        existing_user(session, user or app.settings.user)
    for library in app.libraries(user):
        typer.echo(f"{library.id}\t{library.root}" + (f"\tpaused: {library.problem}" if library.problem else ""))


@library_cli.command("resume")
def library_resume(ctx: typer.Context, library_id: int, user: UserOption = None) -> None:
    """Resume a library paused because its folder was replaced, once the folder is back where it was."""
    from recognize.library.libraries import LibraryError, library_of, resume_library

    app = app_for(ctx)
    try:
        with app.database.session() as session:
            library = library_of(session, existing_user(session, user or app.settings.user), library_id)
            resume_library(library, app.root_policy)
    except LibraryError as error:
        fail(str(error), code=1)
    console.print(f"library {library_id} resumed: run `recognize scan` or let the service crawl it")


@library_cli.command("set")
def library_set(ctx: typer.Context, library_id: int, assignments: list[str], user: UserOption = None) -> None:
    """Override settings for one library, e.g. faces.detector=cnn faces.min_face_px=60 analyses.text=on."""
    from recognize.analyses.registry import analysis_names
    from recognize.library.libraries import (
        LibraryError,
        configure_library,
        library_of,
        parse_assignments,
    )

    app = app_for(ctx)
    try:
        with app.database.session() as session:
            owner = existing_user(session, user or app.settings.user)
            library = library_of(session, owner, library_id)
            typer.echo(
                json.dumps(
                    configure_library(
                        session, library, parse_assignments(assignments), app.settings.faces, analysis_names()
                    )
                )
            )
    except LibraryError as error:
        fail(str(error))


user_cli = typer.Typer(
    help="Users: create them (argon2-hashed passwords) and set their settings.", no_args_is_help=True
)


cli.add_typer(user_cli, name="user")


@user_cli.command("set")
def user_set(ctx: typer.Context, assignments: list[str], user: UserOption = None) -> None:
    """Override clustering settings for a user, e.g. faces.cluster_distance=0.4 faces.min_faces_per_person=3."""
    from recognize.library.libraries import LibraryError, configure_user, parse_assignments

    app = app_for(ctx)
    try:
        with app.database.session() as session:
            owner = existing_user(session, user or app.settings.user)
            typer.echo(json.dumps(configure_user(session, owner, parse_assignments(assignments), app.settings.faces)))
    except LibraryError as error:
        fail(str(error))


@user_cli.command("roots")
def user_roots(
    ctx: typer.Context,
    name: str,
    folders: Annotated[list[Path] | None, typer.Argument(help="Folders this user may add libraries in.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Take every root away from the user.")] = False,
) -> None:
    """Show or set the folders inside which a plain user may add libraries from the API and web UI."""
    from recognize.library.libraries import LibraryError, find_user
    from recognize.library.roots import checked_user_root

    app = app_for(ctx)
    with app.database.session() as session:
        owner = find_user(session, name)
        if owner is None:
            fail(f"no such user: {name}")
        if folders or clear:
            try:
                owner.library_roots = [
                    str(checked_user_root(folder, app.settings.private_paths)) for folder in folders or []
                ]
            except LibraryError as error:
                fail(str(error))
        roots = list(owner.library_roots or [])
    typer.echo("\n".join(roots) if roots else f"{name} has no library roots of their own")


token_cli = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)


cli.add_typer(token_cli, name="token")


@user_cli.command("add")
def user_add(
    ctx: typer.Context,
    name: str,
    password_stdin: UserPasswordStdinOption = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
) -> None:
    """Create a user (the password is read from stdin, or asked for)."""
    from recognize.library.accounts import AuthError, create_user

    password = read_user_password(password_stdin)
    app = app_for(ctx)
    try:
        with app.database.session() as session:
            create_user(session, name, password, admin)
    except AuthError as error:
        fail(str(error))
    console.print(f"user {name} created" + (" (admin)" if admin else ""))


@user_cli.command("password")
def user_password(
    ctx: typer.Context,
    name: str,
    password_stdin: UserPasswordStdinOption = False,
) -> None:
    """Set a user's password (e.g. a lost admin password); their browser sessions end."""
    from recognize.library.accounts import AuthError, set_password

    password = read_user_password(password_stdin)
    app = app_for(ctx)
    try:
        with app.database.session() as session:
            ended = set_password(session, existing_user(session, name), password)
    except AuthError as error:
        fail(str(error))
    console.print(f"password of {name} changed; {ended} browser session{'s' if ended != 1 else ''} ended")


@token_cli.command("create")
def token_create(
    ctx: typer.Context,
    user: UserOption = None,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    days: Annotated[float | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Create an API token and print it (it is shown only once)."""
    from recognize.library.accounts import create_token

    app = app_for(ctx)
    with app.database.session() as session:
        typer.echo(create_token(session, existing_user(session, user or app.settings.user), name, days))


@token_cli.command("revoke")
def token_revoke(ctx: typer.Context, token_id: int, user: UserOption = None) -> None:
    """Revoke a token by its id."""
    from recognize.library.accounts import AuthError, revoke_token

    app = app_for(ctx)
    try:
        with app.database.session() as session:
            revoke_token(session, existing_user(session, user or app.settings.user), token_id)
    except AuthError as error:
        fail(str(error))


@user_cli.command("logout")
def user_logout(ctx: typer.Context, name: str) -> None:
    """End every browser session of a user (their next page asks them to log in again)."""
    from recognize.library.accounts import end_all_browser_sessions
    from recognize.library.libraries import find_user

    app = app_for(ctx)
    with app.database.session() as session:
        owner = find_user(session, name)
        if owner is None:
            fail(f"no such user: {name}")
        ended = end_all_browser_sessions(session, owner)
    console.print(f"{ended} browser session{'s' if ended != 1 else ''} of {name} ended")
