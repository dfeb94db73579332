"""The architecture the README describes, checked: one import direction, every package placed, small modules."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import recognize

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
MAX_FUNCTION_LINES = 60
REASON = "Long because"


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return contract["layers"]


def test_imports_go_one_way() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_interfaces_never_import_the_orm_or_the_queue(tmp_path: Path) -> None:
    """The forbidden contract fails when an interface imports the ORM models (so it is really checked)."""
    offender = ROOT / "recognize" / "web" / "_contract_probe.py"
    offender.write_text("from recognize.storage.models import Face\n")
    try:
        lint = Path(sys.executable).with_name("lint-imports")
        result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True)
    finally:
        offender.unlink()
    assert result.returncode != 0 and "recognize.web._contract_probe -> recognize.storage.models" in result.stdout


def test_every_package_has_a_layer() -> None:
    placed = {name.strip() for layer in _layers() for name in layer.replace(":", "|").split("|")}
    modules = {f"recognize.{module.name}" for module in pkgutil.iter_modules(recognize.__path__)}
    assert modules == placed


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in (ROOT / "recognize").rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_long_functions_say_why() -> None:
    unexplained = []
    for path in (ROOT / "recognize").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and REASON not in (ast.get_docstring(node) or ""):
                    unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert unexplained == []
