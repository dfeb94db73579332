"""``recognize xmp``: results out to the tools that read XMP (digiKam, darktable, Lightroom, Immich)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from recognize.cli.common import UserOption, app_for, cli, console, existing_user, fail

xmp_cli = typer.Typer(help="XMP sidecars: names and tags for digiKam, darktable, Lightroom.", no_args_is_help=True)
cli.add_typer(xmp_cli, name="xmp")


@xmp_cli.command("export")
def export_sidecars(
    ctx: typer.Context,
    destination: Annotated[
        Path | None,
        typer.Argument(
            help="Folder to write the sidecars under, mirroring each library's full path. Without it, sidecars "
            "go next to the photos of the libraries that allow it (xmp.sidecars=on)."
        ),
    ] = None,
    user: UserOption = None,
) -> None:
    """Write one XMP sidecar per photo with face regions of named persons and keywords (tags, People|Name)."""
    from recognize.library.confined import RootChanged
    from recognize.library.libraries import user_libraries
    from recognize.sidecars import sidecars_enabled, write_sidecars

    app = app_for(ctx)
    if destination is not None and destination.exists() and not destination.is_dir():
        fail(f"{destination} is not a folder")
    written = unchanged = 0
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        libraries = user_libraries(session, owner)
        allowed = [
            library for library in libraries if destination is not None or sidecars_enabled(library, app.settings)
        ]
        if not allowed:
            fail(
                "no library of this user allows sidecars next to its photos: give a DEST folder, or turn them on "
                "with recognize library set ID xmp.sidecars=on"
            )
        for library in allowed:
            if destination is None:
                try:
                    app.library_root(library)
                except RootChanged as error:
                    console.print(f"[red]not written[/red] {error}")
                    continue
            report = write_sidecars(session, library, destination, app.private_paths)
            written, unchanged = written + report.written, unchanged + report.unchanged
            for failure in report.failed:
                console.print(f"[red]not written[/red] {failure}")
    where = destination or "next to the photos"
    console.print(f"{written} sidecars written, {unchanged} already up to date ({where})")
