"""Which WebDAV folders may be libraries, and the login recognize uses on them (no network code here)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from recognize.library.errors import LibraryError, Refusal


@dataclass(frozen=True)
class WebDavLogin:
    """The user and (app) password for a WebDAV library; ``insecure`` allows plain http to another host."""

    user: str = ""
    password: str = ""
    insecure: bool = False


def is_url(root: str) -> bool:
    """Whether a library root is a WebDAV URL rather than a folder."""
    return root.startswith(("http://", "https://"))


def check_url(url: str, allowed_hosts: list[str], trusted: bool, insecure: bool) -> str:
    """The URL as recorded (one trailing slash) when it may be a library; LibraryError saying why not.

    ``http://`` is refused unless the host is loopback or ``insecure``; a plain user (not ``trusted``) may
    use only the hosts an admin allowed, so the server cannot be used to reach internal addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LibraryError(f"{url}: not an http(s) URL of a WebDAV folder")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise LibraryError(f"{url}: give the login separately (--password-stdin), without a query or fragment")
    if parts.scheme == "http" and not insecure and not _loopback(parts.hostname):
        raise LibraryError(f"{url}: plain http would send the password unencrypted; use https (or --insecure)")
    if not trusted and parts.netloc.lower() not in {host.lower() for host in allowed_hosts}:
        raise LibraryError(
            f"{url}: outside the servers you may add libraries from (libraries.allowed_hosts)", Refusal.FORBIDDEN
        )
    return url.rstrip("/") + "/"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_in_url(url: str) -> str:
    """The user a Nextcloud or ownCloud WebDAV URL names (``.../dav/files/NAME/...``), else ``""``."""
    parts = urlsplit(url).path.split("/")
    for index, part in enumerate(parts[:-2]):
        if part == "dav" and parts[index + 1] == "files":
            return unquote(parts[index + 2])
    return ""
