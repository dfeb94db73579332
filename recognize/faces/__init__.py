"""Faces: detection pipeline, clustering into persons, and the person operations users correct it with."""
