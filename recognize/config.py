"""Settings: one typed object, built once at start and passed in.

Values come, highest priority first, from keyword arguments, ``RECOGNIZE_*`` environment
variables (nested fields with ``__``, e.g. ``RECOGNIZE_FACES__DETECTOR=cnn``), and a TOML file
(``RECOGNIZE_CONFIG`` or ``<home>/config.toml``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class FaceSettings(BaseModel):
    """Face detection, embedding and clustering settings. Every number has a range, and infinities and NaN are
    refused (they are not JSON); ``FaceLimits`` bounds what plain users may set on the shared workers."""

    model_config = ConfigDict(allow_inf_nan=False)

    enabled: bool = Field(True, description="Run face detection on images.")
    detector: Literal["hog", "cnn", "blazeface"] = Field(
        "blazeface",
        description="Face detector: blazeface (MediaPipe BlazeFace over 3 x 3 tiles with a second look: small, "
        "candid and group faces), hog (dlib, frontal faces only) or cnn (dlib MMOD, slow).",
    )
    working_size: int = Field(
        1600, ge=160, le=16000, description="Longest side, in pixels, images are decoded at for detection."
    )
    upsample: int = Field(1, ge=0, le=3, description="Most times the detector doubles an image (finds smaller faces).")
    scan_size: int = Field(
        1600,
        ge=160,
        le=16000,
        description="The detector doubles an image only while its longest side stays within this.",
    )
    min_face_px: int = Field(
        40, ge=0, le=100_000, description="Faces smaller than this (box side, original pixels) are not clustered."
    )
    min_face_fraction: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Faces whose side is below this fraction of the image's shorter side are not clustered.",
    )
    min_score: float = Field(0.0, ge=-100, le=100, description="Detector score below which a face is not clustered.")
    max_blur: float = Field(
        0.92, ge=0, le=1, description="Blur score (0 sharp, 1 flat) above which a face is not clustered."
    )
    embedder: Literal["faceres", "resnet"] = Field(
        "faceres",
        description="Face embedding model: faceres (HSE MobileNet, 1024-d, with age) or resnet (dlib, 128-d). "
        "Changing it re-embeds every face at the next crawl; names and corrections stay.",
    )
    cluster_distance: float | None = Field(
        None,
        gt=0,
        le=10,
        description="Embedding distance under which two faces may be the same person (default: the model's).",
    )
    join_distance: float | None = Field(
        None,
        gt=0,
        le=10,
        description="A new face joins an existing person when closer than this to enough of its faces "
        "(default: the model's).",
    )
    linkage: Literal["average", "complete"] | None = Field(
        None,
        description="How new persons grow under the cluster_distance cap: average (the closest groups on average "
        "merge first) or complete (the smallest largest distance first) (default: the model's).",
    )
    child_age: float = Field(
        10.0,
        ge=0,
        le=150,
        description="Faces the embedding model estimates younger than this are grouped with child_distance.",
    )
    child_distance: float | None = Field(
        None,
        gt=0,
        le=10,
        description="Distance cap for pairs with a child's face (default: the model's; none for models without age).",
    )
    suggest_distance: float | None = Field(
        None,
        gt=0,
        le=10,
        description="Persons whose mean faces are closer than this are suggested for merging (default: the model's).",
    )
    join_min_votes: int = Field(
        2, ge=1, le=1000, description="How many of a person's faces must agree before a new face joins it."
    )
    min_faces_per_person: int = Field(
        2, ge=2, le=10_000, description="Clusters smaller than this stay as unassigned faces."
    )
    thumbnail_size: int = Field(160, ge=32, le=1024, description="Side of the stored face thumbnail, in pixels.")


class FaceLimits(BaseModel):
    """The most a plain user may ask of the shared workers per library (an admin, and the command line, may set
    more): one 4000 px photo took 3.2 s and 478 MB at the defaults, 10.3 s and 1,149 MB at 8000 px."""

    max_working_size: int = Field(2400, ge=160, description="Largest working_size a plain user may set.")
    max_scan_size: int = Field(2400, ge=160, description="Largest scan_size a plain user may set.")
    max_upsample: int = Field(1, ge=0, le=3, description="Largest upsample a plain user may set.")
    allow_cnn: bool = Field(False, description="Whether a plain user may choose the cnn detector (about 70x slower).")

    def check(self, faces: dict[str, Any]) -> None:
        """ValueError naming the first setting over its limit."""
        for name, limit in (
            ("working_size", self.max_working_size),
            ("scan_size", self.max_scan_size),
            ("upsample", self.max_upsample),
        ):
            if name in faces and int(faces[name]) > limit:
                raise ValueError(f"faces.{name}={faces[name]}: at most {limit} (an admin may set more)")
        if faces.get("detector") == "cnn" and not self.allow_cnn:
            raise ValueError("faces.detector=cnn: only an admin may choose it (face_limits.allow_cnn)")


class JobSettings(BaseModel):
    """Background processing: queue, chunking, retries and how light it is on the host."""

    queue_url: str | None = Field(
        None, description="Queue storage: default a SQLite file in home; postgresql://... or redis://host:port/db."
    )
    chunk_size: int = Field(
        8, ge=1, description="Most files per analysis job (fewer when that leaves a local worker idle)."
    )
    max_attempts: int = Field(
        3, ge=1, description="A file that failed (or crashed a worker) this often is marked failed."
    )
    niceness: int = Field(10, ge=0, le=19, description="Worker process niceness (higher is gentler on the host).")
    threads_per_worker: int = Field(1, ge=1, description="Threads each worker gives BLAS/OpenMP/onnxruntime.")
    active_hours: str | None = Field(None, description="Only work in this local time window, e.g. 01:00-07:00.")
    max_worker_memory_mb: int | None = Field(
        None, ge=64, description="A worker above this RSS restarts after its task."
    )
    crawl_interval: int = Field(3600, ge=10, description="Seconds between safety-net rescans of each library.")
    grouping_interval: int = Field(
        600,
        ge=0,
        description="While a user's files still wait for face analysis, the workers group their faces into persons "
        "at most this often (seconds), so persons come from all the faces at once, not a chunk's few; 0: after "
        "every chunk.",
    )
    requeue_after: int = Field(
        1800, ge=10, description="Seconds after which a queued file nobody finished is queued again."
    )
    watch: bool = Field(True, description="Pick up new files from filesystem events (watchdog).")
    min_free_mb: int = Field(
        50, ge=0, description="`recognize process` stops with an error when the data folder's disk has less free."
    )


class InferenceSettings(BaseModel):
    """Remote inference: send images to a stronger machine (a GPU box) and store the results here."""

    url: str | None = Field(None, description="Base URL of a `recognize inference-server`; unset: infer locally.")
    api_key: str | None = Field(None, description="Key the server requires and the workers send.")
    when_down: Literal["local", "pause"] = Field("pause", description="Server unreachable: infer locally, or wait.")
    retry_seconds: int = Field(30, ge=1, description="How long a held job waits before trying the server again.")
    timeout: float = Field(120.0, gt=0, description="Seconds to wait for one remote result.")
    host: str = Field("127.0.0.1", description="Address `recognize inference-server` listens on.")
    port: int = Field(8765, ge=1, le=65535, description="Port `recognize inference-server` listens on.")


class ObjectSettings(BaseModel):
    """Objects and scenes in photos (ImageNet-1000 classifier)."""

    enabled: bool = Field(True, description="Tag photos with objects and scenes.")
    threshold: float = Field(0.15, gt=0, le=1, description="Probability a class (or everyday tag) needs to be kept.")
    top_k: int = Field(5, ge=1, le=50, description="At most this many fine classes per photo.")
    working_size: int = Field(512, ge=224, description="Longest side, in pixels, photos are decoded at.")


class VideoSettings(BaseModel):
    """Videos: frames sampled and shown to the object classifier and the face pipeline."""

    enabled: bool = Field(True, description="Tag videos and find their faces.")
    frames_per_minute: float = Field(12.0, gt=0, description="Frames sampled per minute of video.")
    min_frames: int = Field(3, ge=1, description="Frames sampled from even the shortest clip.")
    max_frames: int = Field(60, ge=1, description="Frames sampled from even the longest video.")
    min_frame_share: float = Field(0.5, gt=0, le=1, description="Share of the sampled frames a tag must be seen in.")


class MusicSettings(BaseModel):
    """Music: genre, mood and instrument tags (MusiCNN, MTT and MSD taggers)."""

    enabled: bool = Field(True, description="Tag audio files.")
    threshold: float = Field(0.2, gt=0, le=1, description="Mean probability a tag needs over the clip.")
    min_music_score: float = Field(
        0.25, gt=0, le=1, description="An instrument or genre must reach this for a clip to count as music."
    )
    top_k: int = Field(5, ge=1, le=50, description="At most this many tags per tagger.")
    max_seconds: float = Field(600.0, gt=0, description="Only this much of a long file is listened to.")


OCR_DEFAULT_CORES = 8


class TextSettings(BaseModel):
    """Text in photos (OCR): about a second per photo, so off by default on small machines."""

    enabled: bool = Field(
        default_factory=lambda: (os.cpu_count() or 1) >= OCR_DEFAULT_CORES,
        description=f"Read printed text in photos (default: on with {OCR_DEFAULT_CORES} or more cores).",
    )
    min_confidence: float = Field(0.6, ge=0, le=1, description="Lines read with less confidence are dropped.")


class TagSettings(BaseModel):
    """Every tagging analysis."""

    objects: ObjectSettings = Field(default_factory=ObjectSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    music: MusicSettings = Field(default_factory=MusicSettings)
    text: TextSettings = Field(default_factory=TextSettings)


class XmpSettings(BaseModel):
    """XMP metadata: the names and keywords other photo tools keep in photos and sidecars."""

    read: bool = Field(
        True, description="Read face names and keywords from each photo's XMP and sidecars (after the faces analysis)."
    )
    sidecars: bool = Field(
        False,
        description="Write an XMP sidecar (photo.jpg.xmp) next to each photo with its names and tags; libraries "
        "may turn it on with `xmp.sidecars=on`. recognize never writes into the photos themselves.",
    )


class LibrarySettings(BaseModel):
    """Where libraries may be added from the REST API and web UI."""

    allowed_roots: list[Path] = Field(
        default_factory=list,
        description="Folders inside which any user may add libraries (an admin may add any folder; see "
        "`recognize user roots` for per-user roots).",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="WebDAV servers (host or host:port) on which plain users may add libraries from the REST API "
        "and web UI; an admin, and the command line, may use any server.",
    )
    webdav_cache_mb: int = Field(
        default=2048, ge=64, description="Most megabytes of WebDAV files kept on this machine while being analysed."
    )
    webdav_timeout: float = Field(default=30.0, gt=0, description="Seconds a WebDAV server may take to answer.")


LIBRARY_FACE_SETTINGS = frozenset(
    {
        "enabled",
        "detector",
        "working_size",
        "upsample",
        "scan_size",
        "min_face_px",
        "min_face_fraction",
        "min_score",
        "max_blur",
    }
)
USER_FACE_SETTINGS = frozenset(
    {"cluster_distance", "join_distance", "join_min_votes", "min_faces_per_person", "child_age", "child_distance"}
)


def face_settings_with(base: FaceSettings, overrides: dict[str, Any], allowed: frozenset[str]) -> FaceSettings:
    """``base`` with per-library or per-user overrides applied and validated; unknown keys are refused."""
    unknown = set(overrides) - allowed
    if unknown:
        raise ValueError(f"not a setting here: {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})")
    return FaceSettings.model_validate({**base.model_dump(), **overrides})


class Settings(BaseSettings):
    """Every setting of recognize, with its default."""

    model_config = SettingsConfigDict(env_prefix="RECOGNIZE_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("recognize")),
        description="Folder for the database, thumbnails and caches.",
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file in home.")
    api_threads: int = Field(
        2,
        ge=1,
        description="Requests the HTTP API works on at once (the rest wait their turn): more threads than this "
        "only take turns at Python's interpreter lock.",
    )
    database_busy_timeout: float = Field(
        30.0, gt=0, description="Seconds a SQLite write waits for another writer before it gives up."
    )
    user: str = Field("admin", description="User that CLI commands act for when --user is not given.")
    host: str = Field("127.0.0.1", description="Address the HTTP server (REST API) listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port the HTTP server listens on.")
    workers: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) - 1),
        ge=1,
        description="Worker processes for analysis (default keeps one core free).",
    )
    max_image_pixels: int = Field(
        100_000_000, ge=1, description="Images with more pixels are refused (decompression bombs)."
    )
    min_image_side: int = Field(
        16, ge=1, description="Images whose shorter side is below this are refused as too small."
    )
    faces: FaceSettings = Field(default_factory=FaceSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    tags: TagSettings = Field(default_factory=TagSettings)
    xmp: XmpSettings = Field(default_factory=XmpSettings)
    libraries: LibrarySettings = Field(default_factory=LibrarySettings)
    face_limits: FaceLimits = Field(default_factory=FaceLimits)
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="Addresses of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed "
        "(https for the Secure cookie flag, the client's address for the login back-off).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        home = getattr(init_settings, "init_kwargs", {}).get("home")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, _config_file(home)))

    @property
    def resolved_queue_url(self) -> str:
        """The queue storage in use: the configured one or a SQLite file next to the database."""
        return self.jobs.queue_url or f"sqlite:///{self.home / 'queue.db'}"

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.home / 'recognize.db'}"

    @property
    def private_paths(self) -> list[Path]:
        """Paths no library may contain or lie inside and no scan enters: the data folder, SQLite files, config."""
        paths = [self.home, _config_file(self.home)]
        for url in (self.resolved_database_url, self.resolved_queue_url):
            if url.startswith("sqlite:///"):
                paths.append(Path(url.removeprefix("sqlite:///")))
        return [Path(os.path.realpath(path.expanduser())) for path in paths]


def _config_file(home: object = None) -> Path:
    explicit = os.environ.get("RECOGNIZE_CONFIG")
    if explicit:
        return Path(explicit)
    folder = home or os.environ.get("RECOGNIZE_HOME") or platformdirs.user_data_dir("recognize")
    return Path(str(folder)) / "config.toml"


def load_settings(**overrides: object) -> Settings:
    """Build the settings once, from overrides, environment and the TOML file."""
    return Settings(**overrides)  # type: ignore[arg-type]
