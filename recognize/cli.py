"""Command line: each command builds the App and calls one library function."""

from __future__ import annotations

import json
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.orm import Session

from recognize.api.auth import AuthError, create_token, create_user, revoke_token
from recognize.api.export import export_user
from recognize.api.inference import create_inference_app
from recognize.api.rest import create_api
from recognize.api.status import library_status, user_status
from recognize.app import App
from recognize.config import load_settings
from recognize.doctor import report as machine_report
from recognize.faces import persons as faces_api
from recognize.faces.persons import PersonError
from recognize.jobs.control import set_paused
from recognize.jobs.foreground import process_foreground
from recognize.jobs.queue import build_queue
from recognize.jobs.registry import analysis_names
from recognize.jobs.tasks import register
from recognize.jobs.work import analyse_again
from recognize.jobs.worker import run_worker
from recognize.library.libraries import (
    LibraryError,
    configure_library,
    configure_user,
    find_user,
    get_or_create_user,
    library_of,
    parse_assignments,
    user_libraries,
)
from recognize.library.roots import checked_user_root
from recognize.search.query import search
from recognize.storage.models import Library

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


@library_cli.command("set")
def library_set(ctx: typer.Context, library_id: int, assignments: list[str], user: UserOption = None) -> None:
    """Override settings for one library, e.g. faces.detector=cnn faces.min_face_px=60 analyses.text=on."""
    app = _app(ctx)
    try:
        with app.database.session() as session:
            owner = get_or_create_user(session, user or app.settings.user)
            library = library_of(session, owner, library_id)
            typer.echo(
                json.dumps(
                    configure_library(
                        session, library, parse_assignments(assignments), app.settings.faces, analysis_names()
                    )
                )
            )
    except LibraryError as error:
        _fail(str(error))


user_cli = typer.Typer(
    help="Users: create them (argon2-hashed passwords) and set their settings.", no_args_is_help=True
)
cli.add_typer(user_cli, name="user")


@user_cli.command("set")
def user_set(ctx: typer.Context, assignments: list[str], user: UserOption = None) -> None:
    """Override clustering settings for a user, e.g. faces.cluster_distance=0.4 faces.min_faces_per_person=3."""
    app = _app(ctx)
    try:
        with app.database.session() as session:
            owner = get_or_create_user(session, user or app.settings.user)
            typer.echo(json.dumps(configure_user(session, owner, parse_assignments(assignments), app.settings.faces)))
    except LibraryError as error:
        _fail(str(error))


@user_cli.command("roots")
def user_roots(
    ctx: typer.Context,
    name: str,
    folders: Annotated[list[Path] | None, typer.Argument(help="Folders this user may add libraries in.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Take every root away from the user.")] = False,
) -> None:
    """Show or set the folders inside which a plain user may add libraries from the API and web UI."""
    app = _app(ctx)
    with app.database.session() as session:
        owner = find_user(session, name)
        if owner is None:
            _fail(f"no such user: {name}")
        if folders or clear:
            try:
                owner.library_roots = [
                    str(checked_user_root(folder, app.settings.private_paths)) for folder in folders or []
                ]
            except LibraryError as error:
                _fail(str(error))
        roots = list(owner.library_roots or [])
    typer.echo("\n".join(roots) if roots else f"{name} has no library roots of their own")


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
    app = _app(ctx)
    try:
        library = app.add_library(path, user)
    except LibraryError as error:
        _fail(str(error))
    with _progress() as bars:
        tasks: dict[str, Any] = {}

        def show(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(name, total=total)
            bars.update(tasks[name], completed=done, total=total)

        process_foreground(app, library, workers or app.settings.workers, show)
    with app.database.session() as session:
        counts = library_status(session, session.get_one(Library, library.id), app.settings)["analyses"]
    for name, count in counts.items():
        console.print(f"{name}: {count['done']} done, {count['failed']} failed")


@cli.command()
def worker(
    ctx: typer.Context,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = None,
) -> None:
    """Consume the queue on this machine (shares the database and the queue; sees the libraries at the same paths)."""
    run_worker(_app(ctx), workers)


@cli.command()
def reanalyse(
    ctx: typer.Context,
    analysis: str,
    user: UserOption = None,
    library: Annotated[int | None, typer.Option("--library", help="Only this library (id).")] = None,
) -> None:
    """Run one analysis (faces, objects, places, music, text...) again on a user's files, with today's settings.

    Faces found again keep their persons, names and your corrections."""
    app = _app(ctx)
    with app.database.session() as session:
        owner = get_or_create_user(session, user or app.settings.user)
        try:
            if library is not None:
                library_of(session, owner, library)
            count = analyse_again(session, owner.id, analysis, library)
        except (ValueError, LibraryError) as error:
            _fail(str(error))
        roots = [lib.id for lib in user_libraries(session, owner) if library in (None, lib.id)]
    tasks = register(build_queue(app.settings.resolved_queue_url), app.settings)
    for library_id in roots:
        tasks.crawl(library_id)
    console.print(
        f"{analysis}: {count} files will be analysed again (queued for the workers; or run recognize process)"
    )


@cli.command()
def crawl(ctx: typer.Context, user: UserOption = None) -> None:
    """Queue a crawl of every library of a user for the workers (rescan now, then analyse what changed)."""
    app = _app(ctx)
    tasks = register(build_queue(app.settings.resolved_queue_url), app.settings)
    for library in app.libraries(user):
        tasks.crawl(library.id)
        console.print(f"queued a crawl of {library.root}")


@cli.command()
def pause(ctx: typer.Context) -> None:
    """Pause background processing on every worker (running files finish first)."""
    with _app(ctx).database.session() as session:
        set_paused(session, True)
    console.print("paused")


@cli.command()
def resume(ctx: typer.Context) -> None:
    """Resume background processing."""
    with _app(ctx).database.session() as session:
        set_paused(session, False)
    console.print("resumed")


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
        table = Table("analysis", "done", "failed", "queued", "pending", "per minute", "ETA")
        for name, counts in library["analyses"].items():
            eta = counts["eta_seconds"]
            table.add_row(
                name,
                *(str(counts[key]) for key in ("done", "failed", "queued", "pending", "per_minute")),
                f"{eta // 60} min {eta % 60} s" if eta is not None else "",
            )
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


@cli.command("search")
def search_command(
    ctx: typer.Context,
    query: str,
    user: UserOption = None,
    limit: Annotated[int, typer.Option(min=1, help="Most files to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of lines.")] = False,
) -> None:
    """Files whose tags, places, person names, text or dates match every word of QUERY, best first."""
    app = _app(ctx)
    with app.database.session() as session:
        owner = get_or_create_user(session, user or app.settings.user)
        found = search(session, owner.id, query, limit)
        rows = [
            {"path": str(Path(f.library.root) / f.rel_path), "media": f.media, "score": found.scores[f.id]}
            for f in found.files
        ]
    if as_json:
        typer.echo(json.dumps({"persons": [p.name for p in found.persons], "files": rows}, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['score']:.3f}\t{row['path']}")
    if not rows:
        typer.echo(f"nothing matches {query!r}", err=True)


@cli.command()
def run(
    ctx: typer.Context,
    path: Path,
    user: UserOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: RECOGNIZE_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: RECOGNIZE_PORT, 8080).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = None,
) -> None:
    """The service: the HTTP API on HOST:PORT, and workers that process PATH and pick up new files (Ctrl-C stops)."""
    app = _app(ctx)
    try:
        library = app.add_library(path, user)
    except LibraryError as error:
        _fail(str(error))
    register(build_queue(app.settings.resolved_queue_url), app.settings).crawl(library.id)
    with app.database.session() as session:
        owner = get_or_create_user(session, user or app.settings.user)
        if not owner.password_hash:
            password = secrets.token_urlsafe(12)
            create_user(session, owner.name, password, admin=True)
            console.print(
                f"first login: user [bold]{owner.name}[/], password [bold]{password}[/] (shown only this once)"
            )
    address, number = host or app.settings.host, port or app.settings.port
    server = uvicorn.Server(
        uvicorn.Config(create_api(App(app.settings)), host=address, port=number, log_level="warning")
    )
    threading.Thread(target=server.run, name="http", daemon=True).start()
    console.print(f"recognize is processing {library.root} (data in {app.settings.home})")
    console.print(f"API on http://{address}:{number}/api (schema: /openapi.json); `recognize status` shows progress")
    try:
        run_worker(app, workers)
    finally:
        server.should_exit = True


person_cli = typer.Typer(help="Correct persons: rename, merge, move a face, split, hide.", no_args_is_help=True)
cli.add_typer(person_cli, name="person")


def _person_op(ctx: typer.Context, user: str | None, operation: Callable[[Session, int], object]) -> None:
    app = _app(ctx)
    try:
        with app.database.session() as session:
            owner = get_or_create_user(session, user or app.settings.user)
            operation(session, owner.id)
    except PersonError as error:
        _fail(str(error))


@cli.command()
def persons(
    ctx: typer.Context,
    user: UserOption = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Include hidden persons.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List persons with their face counts, most faces first."""
    app = _app(ctx)
    with app.database.session() as session:
        owner = get_or_create_user(session, user or app.settings.user)
        found = faces_api.list_persons(session, owner.id, include_hidden=hidden)
        unassigned = len(faces_api.unassigned_faces(session, owner.id))
    if as_json:
        typer.echo(
            json.dumps({"persons": [asdict(person) for person in found], "unassigned_faces": unassigned}, indent=2)
        )
        return
    table = Table("id", "name", "faces", "cover face", "hidden")
    for person in found:
        table.add_row(
            str(person.id), person.name or "", str(person.faces), str(person.cover_face), "yes" if person.hidden else ""
        )
    Console().print(table)
    Console().print(f"{unassigned} unassigned faces")


@person_cli.command("rename")
def person_rename(ctx: typer.Context, person_id: int, name: str, user: UserOption = None) -> None:
    """Name a person (an empty name unnames it)."""
    _person_op(ctx, user, lambda session, owner: faces_api.rename(session, owner, person_id, name))


@person_cli.command("merge")
def person_merge(ctx: typer.Context, target: int, sources: list[int], user: UserOption = None) -> None:
    """Move every face of SOURCES into TARGET and delete the sources."""
    _person_op(ctx, user, lambda session, owner: faces_api.merge(session, owner, target, sources))


@person_cli.command("move-face")
def person_move_face(
    ctx: typer.Context,
    face_id: int,
    to: Annotated[int | None, typer.Option("--to", help="Person to move the face to.")] = None,
    unassign: Annotated[bool, typer.Option("--unassign", help="Take the face out of any person.")] = False,
    user: UserOption = None,
) -> None:
    """Move one face to another person (--to ID) or out of its person (--unassign)."""
    if (to is None) == (not unassign):
        _fail("give exactly one of --to PERSON or --unassign")
    _person_op(ctx, user, lambda session, owner: faces_api.move_face(session, owner, face_id, to))


@person_cli.command("split")
def person_split(
    ctx: typer.Context,
    person_id: int,
    face_ids: list[int],
    name: Annotated[str | None, typer.Option(help="Name of the new person.")] = None,
    user: UserOption = None,
) -> None:
    """Move FACE_IDS of a person into a new person."""
    _person_op(
        ctx, user, lambda session, owner: typer.echo(faces_api.split(session, owner, person_id, face_ids, name).id)
    )


@person_cli.command("hide")
def person_hide(
    ctx: typer.Context,
    person_id: int,
    unhide: Annotated[bool, typer.Option("--unhide", help="Show the person again.")] = False,
    user: UserOption = None,
) -> None:
    """Hide a person from lists (or show it again)."""
    _person_op(ctx, user, lambda session, owner: faces_api.hide(session, owner, person_id, not unhide))


@person_cli.command("suggest")
def person_suggest(ctx: typer.Context, user: UserOption = None) -> None:
    """Pairs of persons that may be the same, closest first, for you to merge or not."""
    app = _app(ctx)
    with app.database.session() as session:
        owner = get_or_create_user(session, user or app.settings.user)
        pairs = faces_api.suggest_merges(session, owner.id, app.clustering_settings(owner))
    for first, second, distance in pairs:
        typer.echo(f"{first}\t{second}\t{distance:.3f}")


@cli.command()
def faces(
    ctx: typer.Context, user: UserOption = None, unassigned: Annotated[bool, typer.Option("--unassigned")] = True
) -> None:
    """List faces that are in no person (id, photo, box)."""
    app = _app(ctx)
    with app.database.session() as session:
        owner = get_or_create_user(session, user or app.settings.user)
        for face in faces_api.unassigned_faces(session, owner.id):
            typer.echo(f"{face.id}\t{face.file_id}\t{face.x},{face.y},{face.width},{face.height}\t{face.score:.2f}")


@person_cli.command("recluster")
def person_recluster(ctx: typer.Context, user: UserOption = None) -> None:
    """Group unassigned faces again with the current settings (names and corrections are kept)."""
    app = _app(ctx)
    with app.database.session() as session:
        owner_id = get_or_create_user(session, user or app.settings.user).id
    report = app.update_persons(owner_id)
    typer.echo(
        f"{report.joined} faces joined persons, {report.new_persons} new persons "
        f"({report.faces_in_new_persons} faces), {report.unassigned} faces still unassigned"
    )


@cli.command()
def doctor(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What this machine offers (cores, CPU features, GPU providers) and what recognize will use."""
    data = machine_report(load_settings(**ctx.obj))
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    out = Console()
    machine, runtime = data["machine"], data["onnxruntime"]
    out.print(f"machine: {machine['platform']}, {machine['cpu_cores']} cores, {' '.join(machine['cpu_features'])}")
    dlib_info = data["dlib"]
    out.print(
        f"dlib {dlib_info['version']}: CUDA {'yes' if dlib_info['cuda'] else 'no'}, {dlib_info['cuda_devices']} GPUs"
    )
    providers = ", ".join(runtime["providers"]) or "not installed"
    out.print(f"onnxruntime: {providers}" + (f" (using {runtime['used']})" if runtime["used"] else ""))
    for model in data["models"]:
        detail = f"{model['bytes']:,} bytes sha256 {model['sha256'][:16]}" if "bytes" in model else model["error"]
        out.print(f"model {model['file']}: {detail}")
    out.print(f"database: {data['database']}\nqueue: {data['queue']}\nworkers: {data['workers']}\nhome: {data['home']}")


@cli.command("inference-server")
def inference_server(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: inference.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: inference.port).")] = None,
) -> None:
    """Serve the models over HTTP for workers on other machines (needs RECOGNIZE_INFERENCE__API_KEY)."""
    settings = load_settings(**ctx.obj)
    try:
        api = create_inference_app(settings)
    except ValueError as error:
        _fail(str(error))
    uvicorn.run(api, host=host or settings.inference.host, port=port or settings.inference.port, log_level="info")


token_cli = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")


@user_cli.command("add")
def user_add(
    ctx: typer.Context,
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
) -> None:
    """Create a user (the password is read from stdin, or asked for)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt("password", hide_input=True)
    app = _app(ctx)
    try:
        with app.database.session() as session:
            create_user(session, name, password, admin)
    except AuthError as error:
        _fail(str(error))
    console.print(f"user {name} created" + (" (admin)" if admin else ""))


@token_cli.command("create")
def token_create(
    ctx: typer.Context,
    user: UserOption = None,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    days: Annotated[float | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Create an API token and print it (it is shown only once)."""
    app = _app(ctx)
    with app.database.session() as session:
        typer.echo(create_token(session, get_or_create_user(session, user or app.settings.user), name, days))


@token_cli.command("revoke")
def token_revoke(ctx: typer.Context, token_id: int, user: UserOption = None) -> None:
    """Revoke a token by its id."""
    app = _app(ctx)
    try:
        with app.database.session() as session:
            revoke_token(session, get_or_create_user(session, user or app.settings.user), token_id)
    except AuthError as error:
        _fail(str(error))
