"""The web UI in headless Chromium: log in, see persons, rename, merge, move a face, search; reloads persist."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from recognize.storage.models import Face, MediaFile
from tests.faces.conftest import main_face
from tests.media_factory import jpeg_with_exif
from tests.web.conftest import ARTIFACTS, PASSWORD


def _open(page, url: str) -> None:
    """Go to a page and wait until its script has attached the handlers."""
    page.goto(url)
    page.wait_for_selector("body[data-ready]")


def _log_in(page, base: str) -> None:
    _open(page, f"{base}/")
    assert page.url.endswith("/login")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _person_of(app, rel_path: str) -> tuple[int, int]:
    with app.database.session() as session:
        face = main_face(session, rel_path)
        return face.person_id, face.id


def _offer_rose_on_kits_page(page, base: str, app) -> tuple[int, int]:
    """Open Kit's person page and choose Rose's person in its merge menu; both person ids."""
    kit, _ = _person_of(app, "kit/a.jpeg")
    rose, _ = _person_of(app, "rose/a.jpg")
    _open(page, f"{base}/persons/{kit}")
    page.select_option("#merge select[name=source]", str(rose))
    return kit, rose


def test_wrong_password_is_refused(page, server) -> None:
    base, _app = server
    _open(page, f"{base}/login")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("#message:not([hidden])")
    assert "wrong user name or password" in page.inner_text("#message")
    assert page.url.endswith("/login")


def test_people_rename_merge_move_and_search(page, server) -> None:
    base, app = server
    _log_in(page, base)
    assert page.locator(".person-card").count() == 4
    page.screenshot(path=ARTIFACTS / "people.png", full_page=True)

    obama, obama_face = _person_of(app, "obama/a.jpg")
    _open(page, f"{base}/persons/{obama}")
    page.fill("#rename input[name=name]", "Barack Obama")
    page.click("#rename button")
    page.wait_for_selector("h1:has-text('Barack Obama')")
    page.reload()
    assert "Barack Obama" in page.inner_text("h1")
    page.screenshot(path=ARTIFACTS / "person.png", full_page=True)

    _kit, _rose = _offer_rose_on_kits_page(page, base, app)
    page.click("#merge button")
    page.wait_for_selector("h1:has-text('4 photos')")
    _open(page, f"{base}/")
    assert page.locator(".person-card").count() == 3

    _open(page, f"{base}/persons/{obama}")
    page.check(f"input[name=face][value='{obama_face}']")
    page.click("button[value=unassign]")
    page.wait_for_selector("h1:has-text('3 photos')")
    _open(page, f"{base}/unassigned")
    assert page.locator(f"input[name=face][value='{obama_face}']").count() == 1
    assert _person_of(app, "obama/a.jpg")[0] is None

    page.fill("input[type=search]", "Barack")
    page.press("input[type=search]", "Enter")
    page.wait_for_url(f"{base}/search?q=Barack")
    assert page.locator(".person-card:has-text('Barack Obama')").count() == 1
    page.screenshot(path=ARTIFACTS / "search.png", full_page=True)


def test_photo_page_shows_boxes_and_reassigns(page, server) -> None:
    base, app = server
    _log_in(page, base)
    _biden, biden_face = _person_of(app, "biden/a.jpg")
    obama, _ = _person_of(app, "obama/a.jpg")
    with app.database.session() as session:
        file_id = session.get(Face, biden_face).file_id
    _open(page, f"{base}/photos/{file_id}")
    assert page.locator("#photo .box").count() == 1
    page.screenshot(path=ARTIFACTS / "photo.png", full_page=True)
    with page.expect_navigation():
        page.select_option(f"select.reassign[data-face='{biden_face}']", str(obama))
    page.reload()
    assert page.locator(f"select.reassign[data-face='{biden_face}']").input_value() == str(obama)
    assert _person_of(app, "biden/a.jpg")[0] == obama


def test_processing_page_and_phone_width(page, server) -> None:
    base, _app = server
    _log_in(page, base)
    _open(page, f"{base}/processing")
    assert page.locator("table").first.inner_text().count("faces") == 1
    page.click("#pause")
    page.wait_for_selector("h1:has-text('paused')")
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, f"{base}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=ARTIFACTS / "people-phone.png", full_page=True)


def test_settings_forms_save_validated_values(page, server) -> None:
    base, _app = server
    _log_in(page, base)
    _open(page, f"{base}/processing")
    page.fill("#user-settings input[name=cluster_distance]", "0.38")
    page.click("#user-settings button")
    page.wait_for_selector("#message:has-text('Saved')")
    page.select_option("form.library-settings select[name=detector]", "cnn")
    page.fill("form.library-settings input[name=working_size]", "100")
    assert page.locator("form.library-settings input[name=working_size]").evaluate("e => e.validity.valid") is False
    page.fill("form.library-settings input[name=working_size]", "1200")
    page.click("form.library-settings button")
    page.wait_for_selector("#message:has-text('applies to files')")
    page.reload()
    assert page.locator("#user-settings input[name=cluster_distance]").input_value() == "0.38"
    assert page.locator("form.library-settings select[name=detector]").input_value() == "cnn"
    assert page.locator("form.library-settings input[name=working_size]").input_value() == "1200"
    assert page.locator("form.library-analyses input[name=text]").is_checked() is False
    assert page.locator("form.library-analyses input[name=objects]").is_checked() is True
    page.check("form.library-analyses input[name=text]")
    page.click("form.library-analyses button")
    page.wait_for_selector("#message:has-text('applies to files')")
    page.reload()
    assert page.locator("form.library-analyses input[name=text]").is_checked() is True


def test_places_are_browsable_and_searchable(page, server) -> None:
    base, app = server
    root = app.libraries()[0].root
    jpeg_with_exif(Path(root) / "paris.jpg", gps=(48.8584, 2.2945))
    app.process(Path(root))
    _log_in(page, base)
    _open(page, f"{base}/tags?kind=place")
    page.click("a:has-text('France')")
    assert page.locator(".photos img").count() == 1
    page.fill("input[type=search]", "ile-de")
    page.press("input[type=search]", "Enter")
    page.wait_for_url(f"{base}/search?q=ile-de")
    assert page.locator(".tag-list a:has-text('Ile-de-France')").count() == 1
    page.click(".photos a")
    assert "Ile-de-France" in page.inner_text(".facts")
    page.screenshot(path=ARTIFACTS / "places.png", full_page=True)
    _open(page, f"{base}/tags")
    page.click("nav.kinds a:has-text('object')")
    page.wait_for_url(f"{base}/tags?kind=object")
    assert page.locator(".tag-list li").count() >= 1
    assert page.locator(".tag-list small:has-text('place')").count() == 0
    page.screenshot(path=ARTIFACTS / "object-tags.png", full_page=True)


def _unassign_and_refuse_merges(app, face_ids: list[int], values: dict) -> None:
    """Take these faces out of their persons (``values``) and answer no to every merge question, so the
    questions page asks about them first."""
    from sqlalchemy import update

    from recognize.faces import confirmations
    from recognize.storage.models import User

    with app.database.session() as session:
        session.execute(update(Face).where(Face.id.in_(face_ids)).values(**values))
        user = session.scalars(select(User).where(User.name == "admin")).one()
        for asked in confirmations.questions(session, user.id, app.clustering_settings(user), limit=50):
            if asked.kind == "merge":
                confirmations.answer(session, user.id, asked.id, "no")


def test_a_group_question_is_a_grid_answered_with_the_keyboard(page, server) -> None:
    base, app = server
    first, second = _person_of(app, "obama/c.jpg"), _person_of(app, "obama/d.jpg")
    obama = first[0]
    _unassign_and_refuse_merges(app, [first[1], second[1]], {"person_id": None})
    _log_in(page, base)
    _open(page, f"{base}/confirm")
    question = page.locator("#question")
    assert question.get_attribute("data-id").startswith(f"group-{obama}-")
    assert page.locator(".pick input").count() == 2
    page.screenshot(path=ARTIFACTS / "confirm-group.png", full_page=True)
    ticks = page.locator(".pick input")
    unticked = int(ticks.nth(1).get_attribute("data-face"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    assert not ticks.nth(1).is_checked() and ticks.nth(0).is_checked()
    asked = question.get_attribute("data-id")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#question[data-id="{asked}"]', state="detached")
    placed = {face: person for person, face in (_person_of(app, "obama/c.jpg"), _person_of(app, "obama/d.jpg"))}
    assert placed[unticked] is None and placed[({first[1], second[1]} - {unticked}).pop()] == obama


def test_questions_page_answers_with_the_keyboard(page, server) -> None:
    base, app = server
    person, face = _person_of(app, "obama/d.jpg")
    _unassign_and_refuse_merges(app, [face], {"person_id": None, "assigned_by": None})
    _log_in(page, base)
    _open(page, f"{base}/confirm")
    question = page.locator("#question")
    assert question.get_attribute("data-id") == f"face-{face}-{person}"
    assert page.locator(".asked img").count() == 1 and page.locator(".question .faces img").count() >= 2
    page.screenshot(path=ARTIFACTS / "confirm.png", full_page=True)
    page.keyboard.press("y")
    page.wait_for_selector(f'#question[data-id="face-{face}-{person}"]', state="detached")
    assert _person_of(app, "obama/d.jpg") == (person, face)


def test_timeline_viewer_arrows_and_naming_unnamed_persons(page, server) -> None:
    base, app = server
    _log_in(page, base)
    _open(page, f"{base}/photos")
    assert page.locator(".timeline-item").count() == 10 and page.locator(".month h2").count() >= 1
    page.screenshot(path=ARTIFACTS / "timeline.png", full_page=True)
    page.locator(".timeline-item a").nth(1).click()
    page.wait_for_selector("#newer")
    here = page.url
    page.keyboard.press("ArrowRight")
    page.wait_for_url(lambda url: url != here)
    page.wait_for_selector("body[data-ready]")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(here)
    person, _face = _person_of(app, "kit/a.jpeg")
    _open(page, f"{base}/?unnamed=true")
    assert page.locator(".person-card").count() == 4
    page.fill(f"form.who[data-person='{person}'] input", "Kit Harington")
    page.click(f"form.who[data-person='{person}'] button")
    page.wait_for_selector(f".person-card[data-person='{person}']", state="detached")
    page.wait_for_selector("body[data-ready]")
    assert page.locator(".person-card").count() == 3
    _open(page, f"{base}/persons/{person}")
    assert "Kit Harington" in page.inner_text("h1")


def test_a_webdav_library_is_added_from_the_processing_page(page, server, tmp_path: Path, test_media: Path) -> None:
    from tests.faces.conftest import copy_photos
    from tests.library.test_webdav import LOGIN, PHOTOS, webdav_server

    base, app = server
    copy_photos(test_media, tmp_path / "dav", PHOTOS)
    _log_in(page, base)
    _open(page, f"{base}/processing")
    page.fill("#add-library input[name=path]", "http://192.0.2.1/remote.php/dav/files/ann/Photos")
    page.click("#add-library button")
    page.wait_for_selector("#message:has-text('plain http')")
    with webdav_server(tmp_path / "dav") as url:
        page.fill("#add-library input[name=path]", f"{url}/Photos/")
        page.fill("#add-library input[name=login]", LOGIN.user)
        page.fill("#add-library input[name=password]", LOGIN.password)
        with page.expect_navigation():
            page.click("#add-library button")
        page.wait_for_selector(f"h2:has-text('{url}/Photos/')")
    assert [library.credential for library in app.libraries("admin") if library.remote] == [
        {"user": LOGIN.user, "password": LOGIN.password}
    ]
    assert LOGIN.password not in page.content()


def test_a_merge_is_undone_from_the_toast(page, server) -> None:
    base, app = server
    _log_in(page, base)
    _kit, rose = _offer_rose_on_kits_page(page, base, app)
    page.click("#merge button")
    page.wait_for_selector("#message #undo")
    assert "merged into" in page.inner_text("#message")
    page.screenshot(path=ARTIFACTS / "undo-toast.png")
    with page.expect_navigation():
        page.click("#undo")
    _open(page, f"{base}/")
    assert page.locator(".person-card").count() == 4
    assert _person_of(app, "rose/a.jpg")[0] == rose


def test_files_dated_only_by_name_or_modification_time_find_their_month(page, server, tmp_path: Path) -> None:
    import os

    from PIL import Image

    base, app = server
    folder = tmp_path / "phone"
    folder.mkdir()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(folder / "IMG_20190704_123000.jpg")
    Image.new("RGB", (320, 240), (40, 120, 200)).save(folder / "holiday.jpg")
    march_2015 = 1_425_988_800  # 10 March 2015, 12:00 UTC
    os.utime(folder / "holiday.jpg", (march_2015, march_2015))
    app.process(folder)
    _log_in(page, base)
    _open(page, f"{base}/photos")
    headings = page.locator("section.month h2").all_inner_texts()
    assert "July 2019" in headings and "March 2015" in headings and "Date unknown" not in headings
    page.click("nav.jump summary:has-text('2015')")
    page.click("nav.jump a[href='/photos?month=2015-03']")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("section.month h2").first.inner_text() == "March 2015"
    with app.database.session() as session:
        named = session.scalars(select(MediaFile).where(MediaFile.rel_path == "IMG_20190704_123000.jpg")).one()
    _open(page, f"{base}/photos/{named.id}")
    assert "estimated from the file name" in page.inner_text("body")


def test_unknown_pages_are_pages_and_a_merged_person_leads_to_its_new_home(page, server) -> None:
    base, app = server
    _log_in(page, base)
    missing = page.goto(f"{base}/persons/999999")
    assert missing.status == 404 and "Not found" in page.inner_text("h1")
    assert page.locator("header nav").count() == 1
    kit, rose = _offer_rose_on_kits_page(page, base, app)
    values = page.locator("#merge select[name=source] option").evaluate_all("options => options.map(o => o.value)")
    assert len(values) == len(set(values))
    with page.expect_navigation():
        page.click("#merge button")
    page.goto(f"{base}/persons/{rose}")
    assert page.url.endswith(f"/persons/{kit}")


def test_unassigned_faces_make_a_new_person_and_hidden_persons_have_a_way_back(page, server) -> None:
    base, app = server
    _, obama_face = _person_of(app, "obama/a.jpg")
    with app.database.session() as session:
        session.get_one(Face, obama_face).person_id = None
    _log_in(page, base)
    _open(page, f"{base}/unassigned")
    page.check(f"#faces input[name=face][value='{obama_face}']")
    page.fill("#faces input[name=name]", "Young Barack")
    with page.expect_navigation():
        page.click("#faces button[value=new]")
    page.wait_for_selector("h1:has-text('Young Barack')")
    with page.expect_navigation():
        page.click("#hide")
    _open(page, f"{base}/")
    page.click("#show-hidden")
    page.wait_for_selector(".person-card:has-text('Young Barack')")


def _avi(path: Path) -> None:
    """A one-second MPEG-4 part 2 video in an AVI container: a format browsers do not play."""
    import av
    import numpy as np

    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for index in range(10):
            pixels = np.full((120, 160, 3), index * 20, dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode(None))


def test_songs_have_a_music_page_and_an_avi_plays_from_a_copy(page, server, tmp_path: Path, test_media: Path) -> None:
    import shutil

    base, app = server
    folder = tmp_path / "media"
    folder.mkdir()
    song = "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg"
    shutil.copy(test_media / "audio" / "librosa-data" / song, folder / "dance.ogg")
    _avi(folder / "clip.avi")
    app.process(folder)
    _log_in(page, base)
    _open(page, f"{base}/music")
    assert page.locator("li.song:has-text('dance.ogg') audio").count() == 1
    page.screenshot(path=ARTIFACTS / "music.png", full_page=True)
    with app.database.session() as session:
        files = {
            f.rel_path: f.id
            for f in session.scalars(select(MediaFile).where(MediaFile.rel_path.in_(["clip.avi", "dance.ogg"])))
        }
    _open(page, f"{base}/photos/{files['dance.ogg']}")
    assert page.locator("h2:has-text('Faces')").count() == 0
    _open(page, f"{base}/photos/{files['clip.avi']}")
    assert "Browsers cannot play this" in page.inner_text("body")
    preview = page.request.get(f"{base}/api/files/{files['clip.avi']}/preview")
    assert preview.status == 200 and preview.headers["content-type"] == "video/mp4" and preview.body()[4:8] == b"ftyp"
    if page.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.640028\"')"):
        video = page.locator("video")
        for _ in range(300):
            if video.evaluate("element => element.readyState >= 1"):
                break
            page.wait_for_timeout(100)
        assert video.evaluate("element => element.readyState >= 1")


def test_the_viewer_fills_the_window_zooms_shows_faces_on_demand_and_steps_with_the_keys(page, server) -> None:
    base, app = server
    _log_in(page, base)
    _, face = _person_of(app, "obama/a.jpg")
    with app.database.session() as session:
        file_id = session.get_one(Face, face).file_id
    page.set_viewport_size({"width": 1366, "height": 768})
    _open(page, f"{base}/photos/{file_id}")
    assert page.locator("#photo img").get_attribute("src").endswith("/large")
    assert not page.locator("#photo .box").first.is_visible()
    page.keyboard.press("f")
    assert page.locator("#photo .box").first.is_visible()
    page.click("#open-viewer")
    shown = page.locator("#lightbox-photo img").bounding_box()
    assert shown["height"] >= 700 or shown["width"] >= 1300  # fills the window, not a 533 px column
    page.keyboard.press("+")
    assert "scale(1.2)" in page.locator("#lightbox-photo").get_attribute("style")
    page.screenshot(path=ARTIFACTS / "viewer.png")
    page.keyboard.press("Escape")
    assert page.locator("#lightbox").is_hidden()
    large = page.request.get(f"{base}/api/files/{file_id}/large")
    assert large.status == 200 and large.headers["content-type"] == "image/jpeg"
    page.click("#open-viewer")
    if page.locator("#older").count():
        with page.expect_navigation():
            page.keyboard.press("ArrowRight")
        page.wait_for_selector("body[data-ready]")
        assert "view=1" in page.url and page.locator("#lightbox").is_visible()


def test_pages_fit_a_phone_and_the_menu_is_one_row(page, server) -> None:
    base, _app = server
    _log_in(page, base)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/processing", "/", "/photos", "/music", "/unassigned"):
        _open(page, f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert page.locator("header").bounding_box()["height"] < 90, path
    page.screenshot(path=ARTIFACTS / "processing-phone.png", full_page=True)


def test_every_page_loads_without_console_errors_at_desktop_and_phone_width(page, server) -> None:
    base, app = server
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda answer: errors.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None)
    _log_in(page, base)
    obama, face = _person_of(app, "obama/a.jpg")
    with app.database.session() as session:
        file_id = session.get_one(Face, face).file_id
    pages = ["/", "/photos", f"/photos/{file_id}", f"/persons/{obama}", "/unassigned", "/confirm", "/tags"]
    pages += ["/tags?kind=place", "/music", "/processing", "/search?q=obama", "/?hidden=true"]
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for path in pages:
            _open(page, f"{base}{path}")
    assert errors == []


def test_menus_that_offer_persons_show_their_face(page, server) -> None:
    base, app = server
    _log_in(page, base)
    _kit, rose = _offer_rose_on_kits_page(page, base, app)
    shown = page.locator("#merge img.pick-face")
    assert shown.get_attribute("src") == f"/api/persons/{rose}/cover"
    for _ in range(100):
        if shown.evaluate("image => image.complete && image.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert shown.evaluate("image => image.naturalWidth") == 160
