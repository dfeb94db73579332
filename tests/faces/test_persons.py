"""Persons on real photos: grouping, incremental stability, and corrections that stick."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from recognize.app import App
from recognize.faces import persons as ops
from recognize.faces.grouping import update_persons
from recognize.faces.store import FoundFace, store_faces
from recognize.storage.control import clear_clustering_due, clustering_due, mark_clustering_due
from recognize.storage.models import Face, Library, MediaFile, Person, User
from tests.faces.conftest import LATER, copy_photos, main_face


def _person_of(app: App, root: Path) -> dict[str, list[int | None]]:
    """Relative path -> person ids of its faces (left to right)."""
    with app.database.session() as session:
        rows = session.execute(
            select(MediaFile.rel_path, Face.person_id).join(Face, Face.file_id == MediaFile.id).order_by(Face.x)
        )
        found: dict[str, list[int | None]] = {}
        for rel_path, person_id in rows:
            found.setdefault(rel_path, []).append(person_id)
        return found


def _user_id(app: App) -> int:
    with app.database.session() as session:
        return session.scalars(select(Library.user_id)).first()


def test_each_identity_becomes_one_person(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    found = _person_of(app, root)
    groups = {
        name: {found[f"{name}/{letter}.jpg"][0] for letter in "abcd" if f"{name}/{letter}.jpg" in found}
        for name in ("obama", "biden", "rose")
    }
    groups["kit"] = {found["kit/a.jpeg"][0], found["kit/b.jpeg"][0]}
    assert all(len(ids) == 1 and None not in ids for ids in groups.values()), groups
    assert len({next(iter(ids)) for ids in groups.values()}) == 4


def test_new_photos_join_named_persons_without_reshuffling(faces_app: tuple[App, Path], test_media: Path) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    before = _person_of(app, root)
    obama, biden = before["obama/a.jpg"][0], before["biden/a.jpg"][0]
    with app.database.session() as session:
        ops.rename(session, user_id, obama, "Barack")
        ops.rename(session, user_id, biden, "Joe")
    copy_photos(test_media, root, LATER)
    app.process(root)
    after = _person_of(app, root)
    assert {path: ids for path, ids in after.items() if path in before} == before
    assert sorted(p for p in after["later/obama_and_biden.jpg"] if p is not None) == sorted([obama, biden])
    assert after["later/obama-720p.jpg"] == [obama]
    with app.database.session() as session:
        names = {person.id: person.name for person in ops.list_persons(session, user_id)}
    assert names[obama] == "Barack" and names[biden] == "Joe"


def test_one_update_joins_faces_to_the_persons_it_creates(faces_app: tuple[App, Path], test_media: Path) -> None:
    """A face that no person could take before the new persons formed joins one of them in the same update,
    not at the next photo; so a second update with nothing new changes nothing."""
    app, root = faces_app
    copy_photos(test_media, root, LATER)
    app.process(root)
    user_id = _user_id(app)
    with app.database.session() as session:
        tight = app.clustering_settings(session.get_one(User, user_id)).model_copy(
            update={"cluster_distance": 0.7, "join_distance": 0.9}
        )
        session.execute(update(Face).values(person_id=None, assigned_by=None))
        session.execute(delete(Person))
        first = update_persons(session, user_id, tight)
        again = update_persons(session, user_id, tight)
    assert first.new_persons > 0 and first.joined > 0
    assert (again.joined, again.new_persons) == (0, 0)


def test_faces_of_one_photo_never_share_a_person(faces_app: tuple[App, Path], test_media: Path) -> None:
    app, root = faces_app
    copy_photos(test_media, root, LATER)
    app.process(root)
    for path, ids in _person_of(app, root).items():
        assigned = [person for person in ids if person is not None]
        assert len(assigned) == len(set(assigned)), path


def test_moved_out_face_is_never_put_back(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    obama = _person_of(app, root)["obama/c.jpg"][0]
    with app.database.session() as session:
        face = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == "obama/c.jpg")).one()
        ops.move_face(session, user_id, face.id, None)
    app.update_persons(user_id)
    (root / "obama" / "c.jpg").rename(root / "obama" / "moved.jpg")
    app.process(root)
    assert _person_of(app, root)["obama/moved.jpg"] == [None]
    assert obama in {ids[0] for ids in _person_of(app, root).values()}


def test_merge_split_and_move_round_trip(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    found = _person_of(app, root)
    kit, rose = found["kit/a.jpeg"][0], found["rose/a.jpg"][0]
    with app.database.session() as session:
        ops.rename(session, user_id, rose, "Rose")
        merged = ops.merge(session, user_id, kit, [rose])
        assert merged.name == "Rose"
    assert {found["kit/a.jpeg"][0] for found in [_person_of(app, root)]} == {kit}
    with app.database.session() as session:
        rose_faces = session.scalars(select(Face.id).join(MediaFile).where(MediaFile.rel_path.like("rose/%"))).all()
        new = ops.split(session, user_id, kit, rose_faces, name="Rose Leslie")
        ops.rename(session, user_id, kit, "Kit")
    after = _person_of(app, root)
    assert after["rose/a.jpg"] == after["rose/b.jpg"] == [new.id]
    assert after["kit/a.jpeg"] == after["kit/b.jpeg"] == [kit]
    app.update_persons(user_id)
    assert _person_of(app, root) == after


def test_refusals_name_the_reason(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    found = _person_of(app, root)
    with app.database.session() as session:
        ops.rename(session, user_id, found["kit/a.jpeg"][0], "Kit")
        with pytest.raises(ops.PersonError, match="already called 'Kit'"):
            ops.rename(session, user_id, found["rose/a.jpg"][0], "Kit")
        for same in ("kit", " KIT "):
            with pytest.raises(ops.PersonError, match="already called"):
                ops.rename(session, user_id, found["rose/a.jpg"][0], same)
        for blank in ("", "   "):
            with pytest.raises(ops.PersonError, match="cannot be blank"):
                ops.rename(session, user_id, found["kit/a.jpeg"][0], blank)
        assert ops.rename(session, user_id, found["rose/a.jpg"][0], "Zoe\u0308").name == "Zo\u00eb"
        with pytest.raises(ops.PersonError, match="already called"):
            ops.rename(session, user_id, found["biden/a.jpg"][0], "ZO\u00cb")
        assert ops.rename(session, user_id, found["kit/a.jpeg"][0], None).name is None
        with pytest.raises(ops.PersonError, match="no person"):
            ops.hide(session, user_id, 9999)
        with pytest.raises(ops.PersonError, match="no face"):
            ops.move_face(session, user_id + 1, 1, None)


def test_a_face_confirmed_where_it_is_moves_nothing_even_beside_a_clash(faces_app: tuple[App, Path]) -> None:
    """A person that already holds two faces of one photo (data made before the rule) refuses a third face of
    that photo, but a yes to one of the two, already there, is kept instead of refused."""
    app, _root = faces_app
    user_id = _user_id(app)
    with app.database.session() as session:
        first = main_face(session, "obama/a.jpg")
        person = first.person_id
        intruder, third = session.scalars(select(Face).where(Face.person_id != person).limit(2)).all()
        intruder.file_id = third.file_id = first.file_id
        intruder.person_id = person
        session.flush()
        confirmed = ops.move_face(session, user_id, intruder.id, person)
        assert (confirmed.person_id, confirmed.assigned_by) == (person, "user")
        with pytest.raises(ops.PersonError, match="another face of this photo"):
            ops.move_face(session, user_id, third.id, person)


def test_hidden_persons_leave_lists_and_suggestions_exclude_shared_photos(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    kit = _person_of(app, root)["kit/a.jpeg"][0]
    with app.database.session() as session:
        ops.hide(session, user_id, kit)
        visible = {person.id for person in ops.list_persons(session, user_id)}
        everyone = {person.id for person in ops.list_persons(session, user_id, include_hidden=True)}
        anywhere = app.settings.faces.model_copy(update={"suggest_distance": 2.0})
        suggestions = ops.suggest_merges(session, user_id, anywhere)
    assert kit not in visible and kit in everyone
    assert len(suggestions) == 6 and suggestions == sorted(suggestions, key=lambda pair: pair[2])


def test_switching_the_embedder_re_embeds_every_face_and_keeps_names_and_corrections(
    faces_app: tuple[App, Path], test_media: Path
) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    with app.database.session() as session:
        obama = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == "obama/a.jpg")).one()
        ops.rename(session, user_id, obama.person_id, "Barack")
        moved = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == "obama/c.jpg")).one()
        ops.move_face(session, user_id, moved.id, None)
        before = {face.id: (face.person_id, face.assigned_by) for face in session.scalars(select(Face))}
        assert {face.embedding_model for face in session.scalars(select(Face))} == {"hse-faceres-3.0.4"}
    switched = App(
        app.settings.model_copy(update={"faces": app.settings.faces.model_copy(update={"embedder": "resnet"})})
    )
    copy_photos(test_media, root, {"later/obama-720p.jpg": LATER["later/obama-720p.jpg"]})
    switched.process(root)
    with switched.database.session() as session:
        faces = list(session.scalars(select(Face)))
        assert {face.embedding_model for face in faces} == {"dlib-resnet-v1"}
        assert {face.id: (face.person_id, face.assigned_by) for face in faces if face.id in before} == before
        assert all(len(face.embedding) == 128 * 4 for face in faces)
        barack = next(p for p in ops.list_persons(session, user_id) if p.name == "Barack")
    assert _person_of(switched, root)["later/obama-720p.jpg"] == [barack.id]
    assert _person_of(switched, root)["obama/c.jpg"] == [None]
    switched.close()


def test_suggestions_are_computed_for_each_person_not_taken_from_a_global_top(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    user_id = _user_id(app)
    anywhere = app.settings.faces.model_copy(update={"suggest_distance": 2.0})
    with app.database.session() as session:
        closest = ops.suggest_merges(session, user_id, anywhere, limit=1)[0]
        for person in ops.list_persons(session, user_id):
            own = ops.suggest_merges(session, user_id, anywhere, limit=1, person_id=person.id)
            assert len(own) == 1 and person.id in own[0][:2], (person.id, closest)


def test_clustering_runs_again_only_after_faces_are_stored(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    user_id = _user_id(app)
    assert app.update_persons_if_due(user_id) is None
    with app.database.session() as session:
        face = session.scalars(select(Face).where(Face.clusterable)).first()
        found = FoundFace(
            (face.x, face.y, face.width, face.height),
            face.score,
            face.landmarks,
            face.embedding,
            face.embedding_model,
            face.age,
            face.blur,
            True,
            face.thumbnail,
        )
        store_faces(session, face.file_id, [found])
        first = clustering_due(session, user_id)
    assert first is not None
    with app.database.session() as session:
        mark_clustering_due(session, user_id)
        clear_clustering_due(session, user_id, first)
        assert clustering_due(session, user_id) not in (None, first)
    assert app.update_persons_if_due(user_id) is not None
    assert app.update_persons_if_due(user_id) is None


def test_person_choices_list_what_the_person_list_lists_without_cover_faces(faces_app: tuple[App, Path]) -> None:
    app, root = faces_app
    user_id = _user_id(app)
    with app.database.session() as session:
        ops.hide(session, user_id, _person_of(app, root)["kit/a.jpeg"][0])
        for hidden in (False, True):
            full = [(p.id, p.name, p.hidden) for p in ops.list_persons(session, user_id, include_hidden=hidden)]
            choices = [(p.id, p.name, p.hidden) for p in ops.person_choices(session, user_id, include_hidden=hidden)]
            assert choices == full
