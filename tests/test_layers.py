"""One direction of flow: models (and inputs) never import products, even lazily."""

from __future__ import annotations

import ast
from pathlib import Path

import evasim

ROOT = Path(evasim.__file__).parent
MODELS = (
    "parts",
    "sky",
    "station",
    "attitude",
    "replay.py",
    "instant.py",
    "timeline.py",
    "scenario.py",
    "catalog",
    "survey/compute.py",
    "survey/columns.py",
    "survey/parallel.py",
)
PRODUCTS = (
    "outputs",
    "ccsds",
    "report",
    "render",
    "broadcast",
    "cli",
    "api",
    "exchange",
)  # and every cli_<topic> module (the first part of the name before "_")


def _imported(path: Path) -> set[str]:
    """evasim modules imported anywhere in ``path`` (top level or inside functions)."""
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            out |= {name} | {f"{name}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {n for n in out if n.startswith("evasim.")}


def test_models_never_import_products():
    files = [
        f for m in MODELS for f in ([ROOT / m] if m.endswith(".py") else (ROOT / m).rglob("*.py"))
    ]
    assert len(files) > 30
    offences = {
        str(f.relative_to(ROOT)): sorted(
            n for n in _imported(f) if n.split(".")[1].split("_")[0] in PRODUCTS
        )
        for f in files
    }
    assert {f: names for f, names in offences.items() if names} == {}


def test_the_checker_sees_lazy_relative_imports():
    imported = _imported(ROOT / "parts" / "spacewalk.py")
    assert "evasim.station.mass" in imported  # imported inside a function, two dots up
    assert "evasim.parts.core" in imported
