"""``recognize inference-server``: the models over HTTP, for workers on smaller machines.

POST /v1/analyse/{name}?media=image&options={...} with the file's bytes as the body and
``Authorization: Bearer KEY``; the answer is the analysis's JSON result (422 with the reason when
the file cannot be analysed). GET /v1/health lists what the server offers.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from recognize.analyses.base import FileJob
from recognize.analyses.registry import all_analyses
from recognize.config import Settings
from recognize.doctor import report as machine_report
from recognize.media.errors import MediaError

MAX_BODY = 512 * 2**20


def create_inference_app(settings: Settings) -> FastAPI:
    """The inference API; refuses to exist without an API key."""
    key = settings.inference.api_key
    if not key:
        raise ValueError("set RECOGNIZE_INFERENCE__API_KEY: the inference server never runs unprotected")
    analyses = {analysis.name: analysis for analysis in all_analyses(settings) if analysis.remote}
    app = FastAPI(title="recognize inference", version="1")

    def authorised(authorization: Annotated[str | None, Header()] = None) -> None:
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), key.encode()):
            raise HTTPException(401, "missing or wrong API key")

    @app.get("/v1/health", dependencies=[Depends(authorised)])
    def health() -> dict[str, Any]:
        report = machine_report(settings)
        return {"analyses": sorted(analyses), "dlib": report["dlib"], "onnxruntime": report["onnxruntime"]}

    @app.post("/v1/analyse/{name}", dependencies=[Depends(authorised)])
    async def analyse(name: str, request: Request, media: str = Query("image"), options: str = Query("{}")) -> Any:
        analysis = analyses.get(name)
        if analysis is None:
            raise HTTPException(404, f"no remote analysis {name!r}; offered: {', '.join(sorted(analyses))}")
        try:
            library_settings = json.loads(options)
        except json.JSONDecodeError as error:
            raise HTTPException(422, f"options is not JSON: {error}") from error
        body = await request.body()
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"file larger than {MAX_BODY} bytes")
        with tempfile.NamedTemporaryFile(suffix=".upload") as upload:
            upload.write(body)
            upload.flush()
            job = FileJob(0, Path(upload.name), media, library_settings)
            try:
                result = await run_in_threadpool(analysis.compute, job)
            except MediaError as error:
                raise HTTPException(422, str(error)) from error
        return analysis.encode(result)

    return app
