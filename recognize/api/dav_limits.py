"""WebDAV kept small and quiet: dead properties and locks bounded per user, and internal errors that never show
their text. One user filling their share gets 507; the others are not affected."""

from __future__ import annotations

import time
from typing import Any

from wsgidav.dav_error import HTTP_INSUFFICIENT_STORAGE, DAVError
from wsgidav.lock_man.lock_storage import LockStorageDict
from wsgidav.prop_man.property_manager import PropertyManager

MAX_PROPERTY_BYTES = 4096
MAX_PROPERTIES_PER_RESOURCE = 32
MAX_PROPERTIES_PER_USER = 2_000
MAX_LOCKS_PER_USER = 100
MAX_LOCK_SECONDS = 3600  # "Timeout: Infinite" included
HIDDEN = b"internal error: the server log has the details\n"


def hide_internal_errors(app: Any) -> Any:
    """WSGI middleware: a 500 answers a fixed sentence, never the exception text (the log keeps the details)."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        hidden = {"active": False}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("500"):
                hidden["active"] = True
                kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-type")]
                headers = [*kept, ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(HIDDEN)))]
            return start_response(status, headers, exc_info)

        result = app(environ, start)
        try:
            for chunk in result:
                if hidden["active"]:
                    yield HIDDEN
                    return
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()

    return wrapped


class BoundedPropertyManager(PropertyManager):
    """wsgidav's in-memory dead properties, bounded: small values, few per resource, few in all (507 beyond)."""

    def write_property(
        self, norm_url: str, name: str, property_value: Any, dry_run: bool = False, environ: Any = None
    ) -> None:
        if len(property_value) > MAX_PROPERTY_BYTES:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, f"a property value may have at most {MAX_PROPERTY_BYTES} bytes")
        names = self.get_properties(norm_url) or []
        if name not in names and len(names) >= MAX_PROPERTIES_PER_RESOURCE:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, f"at most {MAX_PROPERTIES_PER_RESOURCE} properties per resource")
        owner = _owner(norm_url)
        if name not in names:
            held = sum(len(stored) for url, stored in self._dict.items() if _owner(url) == owner)
            if held >= MAX_PROPERTIES_PER_USER:
                raise DAVError(HTTP_INSUFFICIENT_STORAGE, f"at most {MAX_PROPERTIES_PER_USER} properties per user")
        super().write_property(norm_url, name, property_value, dry_run, environ)


def _owner(norm_url: str) -> str:
    """The user a /<user>/... WebDAV path belongs to."""
    return norm_url.strip("/").split("/", 1)[0]


class BoundedLockStorage(LockStorageDict):
    """wsgidav's in-memory locks, bounded: at most an hour each, at most ``MAX_LOCKS_PER_USER`` live per user."""

    def create(self, path: str, lock: dict[str, Any]) -> dict[str, Any]:
        timeout = float(lock.get("timeout") or MAX_LOCK_SECONDS)
        lock["timeout"] = MAX_LOCK_SECONDS if timeout < 0 or timeout > MAX_LOCK_SECONDS else timeout
        owner, now = _owner(path), time.time()
        live = sum(
            1
            for value in list((self._dict or {}).values())
            if isinstance(value, dict) and _owner(value.get("root", "")) == owner and value.get("expire", 0) > now
        )
        if live >= MAX_LOCKS_PER_USER:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, f"at most {MAX_LOCKS_PER_USER} locks per user")
        return super().create(path, lock)
