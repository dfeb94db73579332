"""Request bodies, query and path parameter types, and the JSON shapes of files and faces."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from recognize.faces.listings import Face
from recognize.library.files import MediaFile

MAX_ID = 2**63 - 1
Page = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Id = Annotated[int, PathParam(ge=0, le=MAX_ID)]
IdValue = Annotated[int, Field(ge=0, le=MAX_ID, strict=True)]


class Body(BaseModel):
    """Request bodies: strict types (``true`` is not a person id), unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Login(Body):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class NewLibrary(Body):
    path: str = Field(min_length=1, max_length=4096)
    # A WebDAV folder's login (``path`` is then its https:// URL); the password is never shown again.
    login: str | None = Field(None, max_length=200)
    password: str | None = Field(None, max_length=1000)
    insecure: bool = False


class PersonChange(Body):
    name: str | None = Field(None, max_length=200)
    hidden: bool | None = None


class Merge(Body):
    sources: list[IdValue] = Field(min_length=1, max_length=1000)


class FaceMove(Body):
    person: IdValue | None


class Split(Body):
    faces: list[IdValue] = Field(min_length=1, max_length=10_000)
    name: str | None = Field(None, max_length=200)


def face_json(face: Face) -> dict[str, Any]:
    """A face as the API shows it."""
    return {
        "id": face.id,
        "file": face.file_id,
        "bbox": [face.x, face.y, face.width, face.height],
        "score": round(face.score, 4),
        "clusterable": face.clusterable,
        "person": face.person_id,
        "crop": f"/api/faces/{face.id}/crop",
    }


def file_json(media_file: MediaFile, root: str) -> dict[str, Any]:
    """A file as the API shows it."""
    return {
        "id": media_file.id,
        "library": media_file.library_id,
        "path": str(Path(root) / media_file.rel_path),
        "media": media_file.media,
        "width": media_file.width,
        "height": media_file.height,
        "taken_at": media_file.taken_at.isoformat() if media_file.taken_at else None,
        "date_source": media_file.date_source,
        "camera": " ".join(filter(None, [media_file.camera_make, media_file.camera_model])) or None,
        "gps": [media_file.gps_lat, media_file.gps_lon] if media_file.gps_lat is not None else None,
        "duration": media_file.duration,
        "thumbnail": f"/api/files/{media_file.id}/thumbnail" if media_file.media in ("image", "video") else None,
        "original": f"/api/files/{media_file.id}/original",
    }
