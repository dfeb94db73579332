"""Commands that scan, analyse, serve and report: process, run, worker, status, export, search, doctor."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from recognize.cli.common import (
    InsecureOption,
    LoginOption,
    PasswordStdinOption,
    PathOrUrl,
    UserOption,
    app_for,
    cli,
    console,
    existing_user,
    fail,
    progress_bars,
    webdav_login,
)

if TYPE_CHECKING:
    from recognize.app import App


@cli.command()
def scan(ctx: typer.Context, user: UserOption = None) -> None:
    """Scan every library of a user for new, changed, moved and deleted files."""
    app = app_for(ctx)
    with app.database.session() as session:
        existing_user(session, user or app.settings.user)
    for root, report in app.scan(app.libraries(user)).items():
        if report.paused:
            console.print(f"{root}: not scanned: {report.paused} (`recognize library resume ID` once it is back)")
            continue
        console.print(
            f"{root}: {report.added} new, {report.changed} changed, {report.moved} moved, {report.deleted} deleted, "
            f"{report.unchanged} unchanged, {report.errors} errors ({report.seconds:.2f} s)"
        )


@cli.command()
def process(
    ctx: typer.Context,
    path: PathOrUrl,
    user: UserOption = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = None,
    login: LoginOption = None,
    password_stdin: PasswordStdinOption = False,
    insecure: InsecureOption = False,
) -> None:
    """Add PATH (a folder or a WebDAV URL) as a library if needed, scan it and run every enabled analysis to
    completion."""
    from recognize.jobs.foreground import DiskFull, Interrupted
    from recognize.jobs.progress import library_status
    from recognize.library.libraries import LibraryError
    from recognize.library.webdav import RemoteUnavailable

    app = app_for(ctx)
    credentials = webdav_login(path, login, password_stdin, insecure)
    try:
        library = app.add_library(path, user, credentials)
    except LibraryError as error:
        fail(str(error))
    with progress_bars() as bars:
        tasks: dict[str, Any] = {}

        def show(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(name, total=total)
            bars.update(tasks[name], completed=done, total=total)

        try:
            app.process(path, user, workers, show, credentials)
        except (DiskFull, Interrupted, RemoteUnavailable) as error:
            fail(str(error), code=1)
    with app.database.session() as session:
        counts = library_status(session, library, app.settings)["analyses"]
    for name, count in counts.items():
        console.print(f"{name}: {count['done']} done, {count['failed']} failed")


@cli.command()
def worker(
    ctx: typer.Context,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every task (library logs at INFO).")] = False,
) -> None:
    """Consume the queue on this machine (shares the database and the queue; sees the libraries at the same paths)."""
    from recognize.jobs.consumer import run_worker

    run_worker(app_for(ctx), workers, verbose)


@cli.command()
def reanalyse(
    ctx: typer.Context,
    analysis: str,
    user: UserOption = None,
    library: Annotated[int | None, typer.Option("--library", help="Only this library (id).")] = None,
) -> None:
    """Run one analysis (faces, objects, places, music, text...) again on a user's files, with today's settings.

    Faces found again keep their persons, names and your corrections."""
    from recognize.jobs.chunks import analyse_again
    from recognize.library.libraries import LibraryError, library_of, user_libraries

    app = app_for(ctx)
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        try:
            if library is not None:
                library_of(session, owner, library)
            count = analyse_again(session, owner.id, analysis, library)
        except (ValueError, LibraryError) as error:
            fail(str(error))
        roots = [lib.id for lib in user_libraries(session, owner) if library in (None, lib.id)]
    tasks = app.tasks()
    for library_id in roots:
        tasks.crawl(library_id)
    console.print(
        f"{analysis}: {count} files will be analysed again (queued for the workers; or run recognize process)"
    )


@cli.command()
def crawl(ctx: typer.Context, user: UserOption = None) -> None:
    """Queue a crawl of every library of a user for the workers (rescan now, then analyse what changed)."""
    app = app_for(ctx)
    with app.database.session() as session:
        existing_user(session, user or app.settings.user)
    tasks = app.tasks()
    for library in app.libraries(user):
        tasks.crawl(library.id)
        console.print(f"queued a crawl of {library.root}")


@cli.command()
def pause(ctx: typer.Context) -> None:
    """Pause background processing on every worker (running files finish first)."""
    from recognize.storage.control import set_paused

    with app_for(ctx).database.session() as session:
        set_paused(session, True)
    console.print("paused")


@cli.command()
def resume(ctx: typer.Context) -> None:
    """Resume background processing."""
    from recognize.storage.control import set_paused

    with app_for(ctx).database.session() as session:
        set_paused(session, False)
    console.print("resumed")


@cli.command()
def status(
    ctx: typer.Context, user: UserOption = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Counts per library and analysis, and every recorded error."""
    from recognize.jobs.progress import user_status

    app = app_for(ctx)
    with app.database.session() as session:
        data = user_status(session, existing_user(session, user or app.settings.user), app.settings)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    out = Console()
    for library in data["libraries"]:
        out.print(f"[bold]{library['root']}[/] (scanned {library['scanned_at'] or 'never'})")
        if library["paused"]:
            out.print(f"  [bold red]paused:[/] {library['paused']} (`recognize library resume {library['id']}`)")
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
    from recognize.export import export_text

    app = app_for(ctx)
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        sys.stdout.writelines(export_text(session, owner.id, indent=2, ascii_only=True))
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
    from recognize.search.query import search

    app = app_for(ctx)
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        found = search(session, owner.id, query, limit)
        rows = [
            {"path": str(Path(f.library.root) / f.rel_path), "media": f.media, "score": found.scores[f.id]}
            for f in found.files
        ]
    if as_json:
        document = {"persons": [p.name for p in found.persons], "files": rows, "total": found.total}
        typer.echo(json.dumps({**document, "total_capped": found.total_capped}, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['score']:.3f}\t{row['path']}")
    if not rows:
        typer.echo(f"nothing matches {query!r}", err=True)
    elif found.total > len(rows):
        more = f"{found.total}+" if found.total_capped else str(found.total)
        typer.echo(f"{len(rows)} of {more} files (--limit shows more)", err=True)


def _listen(address: str, port: int) -> socket.socket:
    """The service's listening socket, closed in every process forked from here (a worker outliving a killed
    service must not keep the port); a taken port ends the command with one sentence."""
    try:
        listening = socket.create_server((address, port))
    except OSError as error:
        fail(f"cannot listen on {address}:{port}: {error.strerror or error}; choose another with --port", code=1)
    os.register_at_fork(after_in_child=listening.close)
    return listening


def _first_login(app: App, name: str) -> list[str]:
    """Give the user a generated password when they have none; the line that shows it, or none."""
    from recognize.library.accounts import create_user
    from recognize.library.libraries import get_or_create_user

    with app.database.session() as session:
        owner = get_or_create_user(session, name)
        if owner.password_hash:
            return []
        password = secrets.token_urlsafe(12)
        create_user(session, owner.name, password, admin=True)
    return [f"first login: user {name}, password {password} (shown only while this runs)"]


def _http_server(app: App, address: str, port: int) -> Any:
    """The service's uvicorn server over its own App (its own database engine), believing X-Forwarded-* only
    from ``trusted_proxies``."""
    import uvicorn

    from recognize.app import App
    from recognize.server import create_server

    config = uvicorn.Config(
        create_server(App(app.settings)),
        host=address,
        port=port,
        log_level="warning",
        forwarded_allow_ips=",".join(app.settings.trusted_proxies),
    )
    return uvicorn.Server(config)


@cli.command()
def run(
    ctx: typer.Context,
    path: PathOrUrl,
    user: UserOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: RECOGNIZE_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: RECOGNIZE_PORT, 8080; 0 picks a free one).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every task instead of the live view.")] = False,
    login: LoginOption = None,
    password_stdin: PasswordStdinOption = False,
    insecure: InsecureOption = False,
) -> None:
    """The service: the HTTP API on HOST:PORT, and workers that process PATH (a folder or a WebDAV URL) and pick
    up new files (Ctrl-C stops)."""
    from recognize.cli.live import LiveStatus
    from recognize.jobs.consumer import run_worker
    from recognize.library.libraries import LibraryError

    app = app_for(ctx)
    address, number = host or app.settings.host, app.settings.port if port is None else port
    listening = _listen(address, number)
    number = listening.getsockname()[1]
    try:
        library = app.add_library(path, user, webdav_login(path, login, password_stdin, insecure))
    except LibraryError as error:
        fail(str(error))
    app.tasks().crawl(library.id)
    header = [f"recognize: open http://{address}:{number}/ (data in {app.settings.home}; Ctrl-C stops)"]
    header += _first_login(app, user or app.settings.user)
    server = _http_server(app, address, number)
    live = LiveStatus(app, library.id, header, console) if console.is_terminal and not verbose else None
    if live is None:
        for line in header:
            console.print(line)

    def started() -> None:
        # Threads start only once the worker processes are forked: a fork while another thread is inside
        # SQLite can leave the worker waiting forever on a lock nobody holds.
        threading.Thread(target=server.run, kwargs={"sockets": [listening]}, name="http", daemon=True).start()
        if live is not None:
            live.start()

    try:
        run_worker(app, workers, verbose, started=started)
    finally:
        if live is not None:
            live.stop()
        server.should_exit = True


@cli.command()
def doctor(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What this machine offers (cores, CPU features, GPU providers) and what recognize will use."""
    from recognize.config import load_settings
    from recognize.doctor import report as machine_report

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
    import uvicorn

    from recognize.api.inference import create_inference_app
    from recognize.config import load_settings

    settings = load_settings(**ctx.obj)
    try:
        api = create_inference_app(settings)
    except ValueError as error:
        fail(str(error))
    uvicorn.run(api, host=host or settings.inference.host, port=port or settings.inference.port, log_level="info")
