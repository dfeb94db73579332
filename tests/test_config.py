"""Settings: defaults, TOML file, environment (which wins), nested face settings."""

from pathlib import Path

import pytest

from recognize.config import load_settings


def test_home_selects_database_location(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'recognize.db'}"


def test_toml_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text('user = "alice"\nworkers = 3\n[faces]\ndetector = "cnn"\nmin_face_px = 55\n')
    monkeypatch.setenv("RECOGNIZE_HOME", str(tmp_path))
    settings = load_settings()
    assert (settings.user, settings.workers, settings.faces.detector, settings.faces.min_face_px) == (
        "alice",
        3,
        "cnn",
        55,
    )
    monkeypatch.setenv("RECOGNIZE_WORKERS", "5")
    monkeypatch.setenv("RECOGNIZE_FACES__MIN_FACE_PX", "70")
    settings = load_settings()
    assert (settings.workers, settings.faces.min_face_px, settings.faces.detector) == (5, 70, "cnn")


def test_invalid_value_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOGNIZE_FACES__DETECTOR", "magic")
    with pytest.raises(ValueError, match="detector"):
        load_settings(home=tmp_path)
