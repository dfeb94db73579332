"""Commands that show and correct persons: persons, faces, person rename/merge/move-face/split/hide/suggest/confirm."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import click
import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recognize.faces import confirmations

from recognize.cli.common import UserOption, app_for, cli, console, existing_user, fail

person_cli = typer.Typer(
    help="Correct persons: rename, merge, move a face, split, hide, answer questions.", no_args_is_help=True
)
cli.add_typer(person_cli, name="person")
REPLIES = {"y": "yes", "yes": "yes", "n": "no", "no": "no", "s": "skip", "skip": "skip"}


def _person_op(ctx: typer.Context, user: str | None, operation: Callable[[Session, int], object]) -> None:
    from recognize.faces.persons import PersonError

    app = app_for(ctx)
    try:
        with app.database.session() as session:
            owner = existing_user(session, user or app.settings.user)
            operation(session, owner.id)
    except PersonError as error:
        fail(str(error))


@cli.command()
def persons(
    ctx: typer.Context,
    user: UserOption = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Include hidden persons.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List persons with their face counts, most faces first."""
    from recognize.faces import persons as faces_api

    app = app_for(ctx)
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        found = faces_api.list_persons(session, owner.id, include_hidden=hidden)
        unassigned = faces_api.count_unassigned(session, owner.id)
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
    from recognize.faces import persons as faces_api

    _person_op(ctx, user, lambda session, owner: faces_api.rename(session, owner, person_id, name))


@person_cli.command("merge")
def person_merge(ctx: typer.Context, target: int, sources: list[int], user: UserOption = None) -> None:
    """Move every face of SOURCES into TARGET and delete the sources."""
    from recognize.faces import persons as faces_api

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
    from recognize.faces import persons as faces_api

    if (to is None) == (not unassign):
        fail("give exactly one of --to PERSON or --unassign")
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
    from recognize.faces import persons as faces_api

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
    from recognize.faces import persons as faces_api

    _person_op(ctx, user, lambda session, owner: faces_api.hide(session, owner, person_id, not unhide))


@person_cli.command("suggest")
def person_suggest(ctx: typer.Context, user: UserOption = None) -> None:
    """Pairs of persons that may be the same, closest first, for you to merge or not."""
    from recognize.faces import persons as faces_api

    app = app_for(ctx)
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        pairs = faces_api.suggest_merges(session, owner.id, app.clustering_settings(owner))
    for first, second, distance in pairs:
        typer.echo(f"{first}\t{second}\t{distance:.3f}")


@cli.command()
def faces(
    ctx: typer.Context,
    user: UserOption = None,
    unassigned: Annotated[
        bool, typer.Option("--unassigned/--all", help="Only faces in no person (default), or every face.")
    ] = True,
) -> None:
    """List faces (id, photo id, box, score, person): those in no person, or with --all every face."""
    from recognize.faces import persons as faces_api

    app = app_for(ctx)
    with app.database.session() as session:
        owner = existing_user(session, user or app.settings.user)
        shown = (
            faces_api.unassigned_faces(session, owner.id) if unassigned else faces_api.user_face_rows(session, owner.id)
        )
        for face in sorted(shown, key=lambda face: face.id):
            box = f"{face.x},{face.y},{face.width},{face.height}"
            typer.echo(f"{face.id}\t{face.file_id}\t{box}\t{face.score:.2f}\t{face.person_id or '-'}")


@person_cli.command("recluster")
def person_recluster(ctx: typer.Context, user: UserOption = None) -> None:
    """Group every unassigned face again with the current settings (names and corrections are kept)."""
    from recognize.jobs.leases import LeaseHeld

    app = app_for(ctx)
    with app.database.session() as session:
        owner_id = existing_user(session, user or app.settings.user).id
    try:
        report = app.update_persons(owner_id, everything=True)
    except LeaseHeld as error:
        fail(str(error), code=1)
    typer.echo(
        f"{report.joined} faces joined persons, {report.new_persons} new persons "
        f"({report.faces_in_new_persons} faces), {report.unassigned} faces still unassigned"
    )


def _question_text(session: Session, user_id: int, question: confirmations.Question) -> str:
    from recognize.faces import persons as faces_api
    from recognize.library.files import owned_file

    everyone = faces_api.list_persons(session, user_id, include_hidden=True)
    names = {p.id: p.name or f"Person {p.id}" for p in everyone}
    sizes = {p.id: p.faces for p in everyone}
    if question.kind == "face":
        face = faces_api.get_face(session, user_id, question.face)
        owned = owned_file(session, user_id, face.file_id)
        assert owned is not None  # the face is the user's (get_face checked), so is its photo
        photo = owned[0]
        taken = f", {photo.taken_at:%d %B %Y}" if photo.taken_at else ""
        box = f"{face.x},{face.y} {face.width}x{face.height}"
        return f"Is face {face.id} ({photo.rel_path}{taken}, at {box}) {names[question.person]}?"
    first, second = question.person, question.other or 0
    return f"Are {names[first]} ({sizes[first]} faces) and {names[second]} ({sizes[second]} faces) the same person?"


def _read_reply(prompt: str) -> str:
    """One of y, n, s or q: a single key in a terminal (other keys are ignored), else one line of standard
    input at a time (other lines are ignored; the end of the input quits)."""
    typer.echo(f"{prompt} ", nl=False)
    while True:
        if sys.stdin.isatty():
            key = click.getchar().lower()
        else:
            line = sys.stdin.readline()
            key = line.strip().lower()[:1] if line else "q"
        if key in (*REPLIES, "q"):
            typer.echo(key)
            return key


@person_cli.command("confirm")
def person_confirm(
    ctx: typer.Context,
    user: UserOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Ask at most this many questions.")] = 20,
) -> None:
    """Answer the questions that settle the most faces with one key: y (yes), n (no), s (skip), q (quit).

    Answers are read one per line from standard input when it is not a terminal."""
    from recognize.faces import confirmations
    from recognize.faces.persons import PersonError
    from recognize.jobs.leases import LeaseHeld

    app = app_for(ctx)
    for asked in range(limit):
        with app.database.session() as session:
            owner = existing_user(session, user or app.settings.user)
            settings = app.clustering_settings(owner)
            found = confirmations.questions(session, owner.id, settings, limit=1, kinds=("face", "merge"))
            if not found:
                typer.echo("no questions: every face is settled" if asked == 0 else "no more questions")
                return
            question = found[0]
            prompt = f"{_question_text(session, owner.id, question)} [y/n/s/q] (settles {question.gain})"
        reply = _read_reply(prompt)
        if reply == "q":
            return
        try:
            app.answer_question(owner.id, question.id, REPLIES[reply])
        except (PersonError, LeaseHeld) as error:
            fail(str(error))


@cli.command()
def undo(
    ctx: typer.Context,
    entry: Annotated[int | None, typer.Argument(help="The operation to undo (default: the newest not undone).")] = None,
    show: Annotated[bool, typer.Option("--list", help="List the operations, newest first.")] = False,
    user: UserOption = None,
) -> None:
    """Undo a person operation (rename, hide, merge, split, move, an answer); --list shows them."""
    from recognize.faces import history
    from recognize.faces.persons import PersonError

    app = app_for(ctx)
    try:
        with app.database.session() as session:
            owner = existing_user(session, user or app.settings.user)
            if show:
                for item in history.history(session, owner.id):
                    state = f"undone {item.undone_at:%Y-%m-%d %H:%M}" if item.undone_at else ""
                    typer.echo(f"{item.id}\t{item.created_at:%Y-%m-%d %H:%M}\t{item.kind}\t{item.summary}\t{state}")
                return
            chosen = entry if entry is not None else getattr(history.latest(session, owner.id), "id", None)
            if chosen is None:
                fail("nothing to undo")
            done = history.undo(session, owner.id, chosen)
    except PersonError as error:
        fail(str(error))
    console.print(f"undone: {done.summary}")
