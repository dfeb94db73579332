"""Interfaces that read results: the export document and processing status."""
