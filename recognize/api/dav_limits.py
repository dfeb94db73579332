"""WebDAV kept small and quiet: bounded dead properties, and internal errors that never show their text."""

from __future__ import annotations

from typing import Any

from wsgidav.dav_error import HTTP_INSUFFICIENT_STORAGE, DAVError
from wsgidav.prop_man.property_manager import PropertyManager

MAX_PROPERTY_BYTES = 4096
MAX_PROPERTIES_PER_RESOURCE = 32
MAX_PROPERTIES = 10_000
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
        if name not in names and sum(len(stored) for stored in self._dict.values()) >= MAX_PROPERTIES:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, "the property store is full")
        super().write_property(norm_url, name, property_value, dry_run, environ)
