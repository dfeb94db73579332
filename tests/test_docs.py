"""Every setting and every REST route is documented (README.md and the package READMEs)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from recognize.app import App
from recognize.config import Settings
from recognize.server import create_server

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "recognize").glob("*/README.md"))]


def _documented() -> str:
    return "\n".join(path.read_text() for path in DOCS)


def _settings(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _settings(annotation, f"{prefix}{name}.")
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_setting_is_documented() -> None:
    text = _documented()
    missing = [
        name
        for name in _settings(Settings)
        if not re.search(rf"`(?:[\w.]*\.)?{re.escape(name.rsplit('.', 1)[-1])}[`=]", text)
    ]
    assert not missing, f"settings missing from the READMEs: {missing}"


def test_every_rest_route_is_documented(sqlite_app: App) -> None:
    readme = re.sub(r"\{[^}]*\}", "{}", (ROOT / "README.md").read_text())
    paths = create_server(sqlite_app).openapi()["paths"]
    routes = sorted({re.sub(r"\{[^}]*\}", "{}", path) for path in paths if path.startswith("/api/")})
    missing = [path for path in routes if path not in readme]
    assert not missing, f"REST routes missing from README.md: {missing}"
