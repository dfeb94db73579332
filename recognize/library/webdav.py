"""Libraries on a WebDAV server (Nextcloud, ownCloud, ``rclone serve webdav``...): the URL rules, listing and content.

A WebDAV library's root is the URL of a folder. Scanning lists it with ``PROPFIND Depth: 1`` per
folder (webdav4); a folder whose ETag did not change since the last scan is not listed again
(Nextcloud propagates ETags up, so an unchanged library costs one request). Nextcloud's
``oc:fileid`` identifies a file across moves and renames (servers without it: the ETag, which a
move keeps); the ETag tells a changed file. Content is fetched when a file is analysed, into a
bounded cache (``WebDavCache``), never as a copy of the library.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from webdav4.client import Client, ClientError

from recognize.library.walk import Found, Skipped

PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<d:resourcetype/><d:getetag/><d:getlastmodified/><d:getcontentlength/><d:getcontenttype/><oc:fileid/>"
    "</d:prop></d:propfind>"
)
FILEID = "{http://owncloud.org/ns}fileid"


class RemoteUnavailable(Exception):
    """The server cannot be used now (down, slow, refusing the login, failing); the message says why."""


@dataclass(frozen=True)
class RemoteFound(Found):
    """A file listed on the server: ``inode`` is its file id (0 without one), with its ETag and content type."""

    etag: str = ""
    mime: str | None = None


@dataclass(frozen=True)
class UnchangedFolder:
    """A folder whose ETag did not change: every file recorded under it is still there, unchanged."""

    rel_path: str


class WebDavFolder:
    """One library's folder on its server, with the library's login."""

    def __init__(self, url: str, credential: dict[str, str] | None, timeout: float) -> None:
        auth = (credential["user"], credential["password"]) if credential else None
        self.url = url
        self.client = Client(url, auth=auth, retry=False, timeout=timeout, follow_redirects=False)

    def walk(self, folder_etags: dict[str, str]) -> Iterator[RemoteFound | Skipped | UnchangedFolder]:
        """Every file under the root, listing folder by folder; a folder whose ETag is still ``folder_etags[path]``
        is not listed (UnchangedFolder). ``folder_etags`` is filled with the ETags seen now."""
        previous = dict(folder_etags)
        folder_etags.clear()
        pending = [""]
        while pending:
            rel_dir = pending.pop()
            for rel_path, properties, fileid in self._list(rel_dir):
                if properties.collection:
                    etag = properties.etag or ""
                    if rel_path == rel_dir:
                        if etag:
                            folder_etags[rel_dir] = etag
                        continue
                    if etag and previous.get(rel_path) == etag:
                        folder_etags[rel_path] = etag
                        _keep_below(previous, folder_etags, rel_path)
                        yield UnchangedFolder(rel_path)
                    else:
                        pending.append(rel_path)
                    continue
                if any(part.startswith(".") for part in rel_path.split("/")):
                    continue
                modified = properties.modified.timestamp() if properties.modified else 0
                yield RemoteFound(
                    rel_path,
                    properties.content_length or 0,
                    int(modified * 1e9),
                    0,
                    fileid & 0x7FFF_FFFF_FFFF_FFFF,
                    etag=properties.etag or "",
                    mime=properties.content_type,
                )

    def check(self) -> None:
        """RemoteUnavailable, saying why, unless the server lists the root folder with this login now."""
        self._list("")

    def _list(self, rel_dir: str) -> list[tuple[str, Any, int]]:
        try:
            answer = self.client.propfind(rel_dir, data=PROPFIND, headers={"Depth": "1"})
        except (ClientError, httpx.HTTPError) as error:
            raise RemoteUnavailable(f"{self.url}{rel_dir}: {_reason(error)}") from None
        listed = []
        for response in answer.responses.values():
            rel_path = response.path_relative_to(self.client.base_url).strip("/")
            rel_path = "" if rel_path == "." else rel_path
            fileid = response.response_xml.findtext(f".//{FILEID}") or ""
            listed.append((rel_path, response.properties, int(fileid) if fileid.isdigit() else 0))
        return listed

    def download(self, rel_path: str, destination: Path) -> None:
        """Fetch one file into ``destination`` (written whole or not at all)."""
        partial = destination.with_name(destination.name + ".partial")
        got = self.stream(rel_path, {})
        try:
            got.raise_for_status()
            with partial.open("wb") as handle:
                for chunk in got.iter_bytes():
                    handle.write(chunk)
        except httpx.HTTPError as error:
            partial.unlink(missing_ok=True)
            raise RemoteUnavailable(f"{self.url}{rel_path}: {_reason(error)}") from None
        finally:
            got.close()
        partial.replace(destination)

    def stream(self, rel_path: str, headers: dict[str, str]) -> httpx.Response:
        """An open streamed GET of one file (``Range`` passed on); the caller closes it."""
        http = self.client.http
        request = http.build_request("GET", self.client.join_url(rel_path), headers=headers)
        try:
            return http.send(request, stream=True)
        except httpx.HTTPError as error:
            raise RemoteUnavailable(f"{self.url}{rel_path}: {_reason(error)}") from None


def _keep_below(previous: dict[str, str], current: dict[str, str], rel_dir: str) -> None:
    prefix = rel_dir + "/"
    current.update({path: etag for path, etag in previous.items() if path.startswith(prefix)})


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if status in (401, 403):
        return f"the server refused the login ({status}): give the library a valid app password"
    if status is not None:
        return f"the server answered {status}"
    if isinstance(error, httpx.TimeoutException):
        return "the server did not answer in time"
    return f"cannot reach the server ({type(error).__name__}: {error})"


class WebDavCache:
    """Files of WebDAV libraries fetched for analysis, at most ``limit_mb`` in all (least recently used go first)."""

    def __init__(self, folder: Path, limit_mb: int) -> None:
        self.folder = folder
        self.limit = limit_mb * 1024 * 1024

    def path(self, remote: WebDavFolder, rel_path: str, etag: str) -> Path:
        """The file's content on this machine, fetched when not cached for this ETag."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = hashlib.sha256(f"{remote.url}\n{rel_path}\n{etag}".encode()).hexdigest()
        cached = self.folder / (key + os.path.splitext(rel_path)[1][:10])
        if cached.exists():
            os.utime(cached)
            return cached
        self._make_room()
        remote.download(rel_path, cached)
        return cached

    def _make_room(self) -> None:
        entries = sorted(
            (info.st_mtime, info.st_size, entry) for entry in self.folder.iterdir() for info in [entry.stat()]
        )
        total = sum(size for _, size, _ in entries)
        for _, size, oldest in entries:
            if total <= self.limit * 0.9:
                break
            total -= size
            oldest.unlink(missing_ok=True)
