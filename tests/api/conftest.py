"""The processed face library of tests/faces, reused by the API tests."""

from tests.faces.conftest import faces_app, processed_template

__all__ = ["faces_app", "processed_template"]
