"""Remote inference client: send a file to the inference server, or say clearly that it is down."""

from __future__ import annotations

import json
import logging

import httpx

from recognize.analyses.base import Analysis, FileJob
from recognize.analyses.outcomes import Outcome, compute_outcome
from recognize.config import InferenceSettings
from recognize.media.errors import MediaError

log = logging.getLogger(__name__)


class InferenceUnavailable(Exception):
    """The inference server cannot be reached or refused us; the job must wait, not fail."""


def remote_compute(settings: InferenceSettings, analysis: Analysis, job: FileJob) -> Outcome:
    """One file analysed by the inference server."""
    try:
        body = job.path.read_bytes()
    except FileNotFoundError:
        return Outcome(job.file_id, error="file vanished before it could be read")
    except OSError as error:
        return Outcome(job.file_id, error=f"cannot read: {error.strerror or error}")
    try:
        response = httpx.post(
            f"{settings.url.rstrip('/')}/v1/analyse/{analysis.name}",  # type: ignore[union-attr]
            content=body,
            params={"media": job.media, "options": json.dumps(job.library_settings)},
            headers={"Authorization": f"Bearer {settings.api_key or ''}"},
            timeout=settings.timeout,
        )
    except httpx.HTTPError as error:
        raise InferenceUnavailable(f"inference server {settings.url} unreachable: {error}") from error
    if response.status_code == 422:
        return Outcome(job.file_id, error=str(response.json().get("detail", "rejected by the inference server")))
    if response.status_code != 200:
        raise InferenceUnavailable(
            f"inference server {settings.url} answered {response.status_code}: {response.text[:200]}"
        )
    return Outcome(job.file_id, result=analysis.decode(response.json()))


def compute(settings: InferenceSettings, analysis: Analysis, job: FileJob) -> Outcome:
    """Remote when configured and the analysis allows it, with the configured behaviour when the server is down."""
    if not settings.url or not analysis.remote:
        return compute_outcome(analysis, job)
    try:
        return remote_compute(settings, analysis, job)
    except InferenceUnavailable as error:
        if settings.when_down == "pause":
            raise
        log.warning("%s; analysing %s locally", error, job.path)
        return compute_outcome(analysis, job)
    except MediaError as error:
        return Outcome(job.file_id, error=str(error))
