"""Who may import whom, checked on the source: stores know nothing of the domain, handlers and
routers read no store, and only the functions' handlers use the composition root (hub.wiring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "shared" / "hub"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def offenders(paths: list[Path], forbidden: str) -> list[str]:
    return [
        str(path.relative_to(ROOT))
        for path in paths
        if any(name == forbidden or name.startswith(forbidden + ".") for name in imported_modules(path))
    ]


def test_layering_stores_import_nothing_from_the_domain() -> None:
    assert offenders(files(HUB / "store"), "hub.domain") == []


@pytest.mark.parametrize("forbidden", ["hub.store", "hub.domain", "hub.wiring"])
def test_layering_ports_import_no_adapter_domain_or_wiring(forbidden: str) -> None:
    assert offenders(files(HUB / "ports"), forbidden) == []


def test_layering_handlers_and_routers_import_no_store() -> None:
    edges = files(ROOT / "functions", HUB / "api", HUB / "pages")
    assert offenders(edges, "hub.store") == []


def test_layering_library_modules_do_not_use_wiring_as_a_service_locator() -> None:
    library = files(HUB / "api", HUB / "domain", HUB / "store", HUB / "pages", HUB / "ports")
    assert offenders(library, "hub.wiring") == []
