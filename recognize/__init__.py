"""recognize: a self-hosted, privacy-first recognition service for a personal media library."""

__version__ = "0.1.0"
