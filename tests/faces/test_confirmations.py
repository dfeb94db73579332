"""Questions that settle doubtful faces, on real photos: asked best first, answers applied and remembered."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from recognize.app import App
from recognize.faces import confirmations
from recognize.faces import persons as ops
from recognize.storage.models import Face, FaceRejection, User
from tests.faces.conftest import main_face


def _face(app: App, rel_path: str) -> Face:
    with app.database.session() as session:
        return main_face(session, rel_path)


def _ask(app: App) -> list[confirmations.Question]:
    with app.database.session() as session:
        user = session.scalars(select(User)).one()
        return confirmations.questions(session, user.id, app.clustering_settings(user), limit=50)


def test_a_face_just_outside_its_person_is_asked_about_and_yes_places_it(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    left_out = _face(app, "obama/d.jpg")
    obama = left_out.person_id
    with app.database.session() as session:
        session.execute(update(Face).where(Face.id == left_out.id).values(person_id=None, assigned_by=None))
    asked = [q for q in _ask(app) if q.kind == "face" and q.face == left_out.id]
    assert len(asked) == 1 and asked[0].person == obama and asked[0].gain >= 1
    with app.database.session() as session:
        user_id = session.scalars(select(User.id)).one()
        confirmations.answer(session, user_id, asked[0].id, "yes")
    placed = _face(app, "obama/d.jpg")
    assert (placed.person_id, placed.assigned_by) == (obama, "user")
    assert asked[0].id not in {q.id for q in _ask(app)}


def test_no_is_a_cannot_link_that_grouping_never_undoes(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    doubtful = _face(app, "biden/b.jpg")
    biden = doubtful.person_id
    with app.database.session() as session:
        session.execute(update(Face).where(Face.id == doubtful.id).values(person_id=None, assigned_by=None))
        user_id = session.scalars(select(User.id)).one()
        confirmations.answer(session, user_id, f"face-{doubtful.id}-{biden}", "no")
    app.update_persons(user_id)
    assert _face(app, "biden/b.jpg").person_id is None
    with app.database.session() as session:
        assert session.get(FaceRejection, (doubtful.id, biden)) is not None
    assert f"face-{doubtful.id}-{biden}" not in {q.id for q in _ask(app)}


def test_two_persons_that_may_be_one_are_asked_about_and_no_stops_the_suggestion(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    first, second = _face(app, "obama/a.jpg"), _face(app, "obama/b.jpg")
    with app.database.session() as session:
        user_id = session.scalars(select(User.id)).one()
        half = ops.split(session, user_id, first.person_id, [first.id, second.id]).id
    merges = [q for q in _ask(app) if q.kind == "merge" and {q.person, q.other} == {first.person_id, half}]
    assert len(merges) == 1 and merges[0].gain == 2
    with app.database.session() as session:
        confirmations.answer(session, user_id, merges[0].id, "no")
    assert not [q for q in _ask(app) if q.kind == "merge" and {q.person, q.other} == {first.person_id, half}]
    with app.database.session() as session:
        user = session.get_one(User, user_id)
        suggested = ops.suggest_merges(session, user_id, app.clustering_settings(user))
        assert not [pair for pair in suggested if {first.person_id, half} == set(pair[:2])]
        confirmations.answer(session, user_id, merges[0].id, "yes")
    assert _face(app, "obama/a.jpg").person_id == _face(app, "obama/c.jpg").person_id


def test_person_confirm_asks_in_the_terminal_and_applies_answers(faces_app: tuple[App, Path]) -> None:
    from typer.testing import CliRunner

    from recognize.cli import cli

    app, _root = faces_app
    left_out = _face(app, "obama/d.jpg")
    with app.database.session() as session:
        session.execute(update(Face).where(Face.id == left_out.id).values(person_id=None, assigned_by=None))
        owner = session.scalars(select(User.name)).one()
    for merge in [q for q in _ask(app) if q.kind == "merge"]:
        with app.database.session() as session:
            confirmations.answer(session, session.scalars(select(User.id)).one(), merge.id, "no")
    home = str(app.settings.home)
    result = CliRunner().invoke(cli, ["--data-dir", home, "person", "confirm", "--user", owner], input="y\nq\n")
    assert result.exit_code == 0, result.output
    assert f"Is face {left_out.id} (obama/d.jpg" in result.output
    assert _face(app, "obama/d.jpg").person_id == left_out.person_id
    ignored = CliRunner().invoke(cli, ["--data-dir", home, "person", "confirm", "--user", owner], input="maybe\nx\n")
    assert ignored.exit_code == 0, ignored.output  # unknown answers are ignored; the end of the input quits


def test_after_a_no_the_face_waits_and_is_not_put_into_another_person_in_the_same_step(
    faces_app: tuple[App, Path],
) -> None:
    app, _root = faces_app
    face = _face(app, "obama/d.jpg")
    with app.database.session() as session:
        user_id = session.scalars(select(User.id)).one()
    app.answer_question(user_id, f"face-{face.id}-{face.person_id}", "no")
    waiting = _face(app, "obama/d.jpg")
    assert (waiting.person_id, waiting.assigned_by) == (None, "held")
    app.update_persons(user_id)
    assert _face(app, "obama/d.jpg").person_id is None
    assert all(question.face != face.id or question.person != face.person_id for question in _ask(app))


def test_faces_already_right_are_not_asked_about_but_a_face_put_in_the_wrong_person_is_asked_first(
    faces_app: tuple[App, Path],
) -> None:
    """Obama split in two persons: each of his faces has a close fellow member, so the one question is whether
    the two are one person (asking about each face, as before, asked four times about right faces)."""
    app, _root = faces_app
    halves = [_face(app, "obama/c.jpg"), _face(app, "obama/d.jpg")]
    with app.database.session() as session:
        user_id = session.scalars(select(User.id)).one()
        ops.split(session, user_id, halves[0].person_id, [face.id for face in halves])
    asked = _ask(app)
    assert [q for q in asked if q.kind == "face" and q.inside] == []
    assert asked[0].kind == "merge" and {asked[0].person, asked[0].other} == {
        _face(app, "obama/a.jpg").person_id,
        _face(app, "obama/c.jpg").person_id,
    }
    stray, biden = _face(app, "kit/a.jpeg"), _face(app, "biden/a.jpg").person_id
    with app.database.session() as session:
        session.execute(update(Face).where(Face.id == stray.id).values(person_id=biden, assigned_by="auto"))
    first = _ask(app)[0]
    assert (first.kind, first.face, first.person, first.inside) == ("face", stray.id, biden, True)
