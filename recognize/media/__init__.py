"""Media: sniffing, decoding and probing, the one place every model gets its pixels and samples."""

from recognize.media.errors import MediaError

__all__ = ["MediaError"]
