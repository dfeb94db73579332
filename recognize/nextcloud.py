"""Tags back into Nextcloud: what recognize finds in a Nextcloud library's files, as collaborative system tags.

With ``nextcloud.tags=on`` on a WebDAV library of a Nextcloud server, every tag recognize gives a file
(objects and scenes, places, music, video; person names as ``person: NAME`` with ``nextcloud.person_tags=on``)
becomes a system tag of that name assigned to the file, so Files' tag filter and Photos' Tags view
show them. A tag is created only when missing (409: it exists, so it is looked up) and never deleted.
recognize keeps the assignments it made (``NextcloudTag``) and removes only those when results or
names change; an assignment another user or app made, even of the same tag, is never touched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.storage.models import Face, Library, MediaFile, NextcloudTag, Person, Tag

WEBDAV_FILES = "/remote.php/dav/files/"
OWN_KINDS = ("keyword",)  # imported from the photos' own XMP: the user's, not recognize's
PERSON_PREFIX = "person: "
LIST_TAGS = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    "<d:prop><oc:id/><oc:display-name/></d:prop></d:propfind>"
)
OC = "{http://owncloud.org/ns}"


class NextcloudError(Exception):
    """The Nextcloud server refused or failed a tag request; the message says which and why."""


@dataclass
class TagSyncReport:
    """Assignments made and removed, and the requests that failed, with reasons."""

    assigned: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)


def nextcloud_settings(library: Library) -> dict[str, bool]:
    """The library's ``nextcloud.*`` switches (all off unless set)."""
    return (library.settings or {}).get("nextcloud", {})


def tags_enabled(library: Library) -> bool:
    """Whether recognize writes its tags into this library's Nextcloud."""
    return library.remote and WEBDAV_FILES in library.root and bool(nextcloud_settings(library).get("tags"))


class SystemTags:
    """Nextcloud's system tags and their assignments, through its WebDAV API, with the library's login."""

    def __init__(self, library: Library, timeout: float) -> None:
        base = library.root.split(WEBDAV_FILES, 1)[0]
        login = library.credential or {}
        self.http = httpx.Client(
            base_url=base, auth=(login.get("user", ""), login.get("password", "")), timeout=timeout
        )
        self._ids: dict[str, int] = {}

    def close(self) -> None:
        self.http.close()

    def tag_id(self, name: str) -> int:
        """The id of the tag called ``name``, created (visible and assignable) when missing."""
        if name not in self._ids:
            answer = self._send(
                "POST",
                "/remote.php/dav/systemtags/",
                json={"name": name, "userVisible": True, "userAssignable": True, "canAssign": True},
            )
            if answer.status_code == 201:
                self._ids[name] = int(answer.headers["content-location"].rstrip("/").rsplit("/", 1)[1])
            elif answer.status_code == 409:
                self._ids.update(self._all_tags())
            else:
                raise NextcloudError(f"creating tag {name!r}: the server answered {answer.status_code}")
        if name not in self._ids:
            raise NextcloudError(f"tag {name!r} exists but is not visible to this login")
        return self._ids[name]

    def assign(self, file_id: int, tag_id: int) -> bool:
        """Assign a tag to a file; False when it was already assigned (by someone else: not recognize's)."""
        answer = self._send("PUT", f"/remote.php/dav/systemtags-relations/files/{file_id}/{tag_id}")
        if answer.status_code in (201, 204):
            return True
        if answer.status_code == 409:
            return False
        raise NextcloudError(f"assigning tag {tag_id} to file {file_id}: the server answered {answer.status_code}")

    def unassign(self, file_id: int, tag_id: int) -> None:
        """Remove an assignment recognize made (one already gone is fine)."""
        answer = self._send("DELETE", f"/remote.php/dav/systemtags-relations/files/{file_id}/{tag_id}")
        if answer.status_code not in (204, 404):
            raise NextcloudError(f"removing tag {tag_id} from file {file_id}: the server answered {answer.status_code}")

    def _all_tags(self) -> dict[str, int]:
        answer = self._send("PROPFIND", "/remote.php/dav/systemtags/", content=LIST_TAGS, headers={"Depth": "1"})
        if answer.status_code != 207:
            raise NextcloudError(f"listing tags: the server answered {answer.status_code}")
        found = {}
        for response in ElementTree.fromstring(answer.content).iter("{DAV:}response"):
            tag_id, name = response.findtext(f".//{OC}id"), response.findtext(f".//{OC}display-name")
            if tag_id and tag_id.isdigit() and name is not None:
                found[name] = int(tag_id)
        return found

    def _send(self, method: str, path: str, **options: object) -> httpx.Response:
        try:
            return self.http.request(method, path, **options)  # type: ignore[arg-type]
        except httpx.HTTPError as error:
            raise NextcloudError(f"{method} {path}: cannot reach the server ({type(error).__name__})") from None


def wanted_tags(session: Session, library: Library) -> dict[int, set[str]]:
    """The tag names each file of the library should carry in Nextcloud, by Nextcloud file id."""
    wanted: dict[int, set[str]] = defaultdict(set)
    in_nextcloud = (MediaFile.library_id == library.id, MediaFile.inode != 0)
    tagged = select(MediaFile.inode, Tag.name).join(Tag, Tag.file_id == MediaFile.id)
    for file_id, name in session.execute(tagged.where(*in_nextcloud, Tag.kind.not_in(OWN_KINDS))):
        wanted[file_id].add(_tag_name(name))
    if nextcloud_settings(library).get("person_tags"):
        named = (
            select(MediaFile.inode, Person.name)
            .join(Face, Face.file_id == MediaFile.id)
            .join(Person, Person.id == Face.person_id)
        )
        for file_id, name in session.execute(named.where(*in_nextcloud, Person.name.is_not(None))):
            wanted[file_id].add(_tag_name(PERSON_PREFIX + name))
    return wanted


def _tag_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()[:64]


def sync_tags(session: Session, library: Library, tags: SystemTags) -> TagSyncReport:
    """Make the library's files in Nextcloud carry recognize's tags: assign what is new, remove what recognize
    assigned and no longer gives; each assignment is recorded in the same transaction."""
    report = TagSyncReport()
    wanted = wanted_tags(session, library)
    made = list(session.scalars(select(NextcloudTag).where(NextcloudTag.library_id == library.id)))
    have: dict[int, set[str]] = defaultdict(set)
    for assignment in made:
        if assignment.name in wanted.get(assignment.nextcloud_file_id, set()):
            have[assignment.nextcloud_file_id].add(assignment.name)
            continue
        try:
            tags.unassign(assignment.nextcloud_file_id, assignment.tag_id)
        except NextcloudError as error:
            report.failed.append(str(error))
            continue
        session.delete(assignment)
        report.removed += 1
    for file_id, names in sorted(wanted.items()):
        for name in sorted(names - have[file_id]):
            try:
                tag_id = tags.tag_id(name)
                if tags.assign(file_id, tag_id):
                    session.add(
                        NextcloudTag(library_id=library.id, nextcloud_file_id=file_id, tag_id=tag_id, name=name)
                    )
                    report.assigned += 1
            except NextcloudError as error:
                report.failed.append(str(error))
    return report
