"""Who may import a vendor: the domain, the hub's records and the store never do (they receive the
hub's own records); nothing in the layer outside `hub/vendors` imports a vendor's payload models or
`requests` (vendor clients live in their vendor's package)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[2] / "shared" / "hub"
VENDOR_FREE = ("domain", "models", "store")


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def is_payload_model(module: str) -> bool:
    """`hub.vendors.<vendor>.models` or anything in it."""
    return module.split(".")[:2] == ["hub", "vendors"] and module.split(".")[3:4] == ["models"]


def layer_files(*parts: str) -> list[Path]:
    files = sorted(path for part in parts for path in (HUB / part).rglob("*.py"))
    assert files, f"no modules under {parts}"
    return files


@pytest.mark.parametrize("package", VENDOR_FREE)
def test_vendor_boundaries_domain_models_and_store_import_no_vendor(package: str) -> None:
    offenders = {
        f"{path.relative_to(HUB)}: {module}"
        for path in layer_files(package)
        for module in imported_modules(path)
        if is_within(module, "hub.vendors") or is_within(module, "requests")
    }
    assert not offenders


def test_vendor_boundaries_payload_models_and_requests_only_inside_vendor_packages() -> None:
    outside = [path for path in layer_files(".") if not path.is_relative_to(HUB / "vendors")]
    offenders = {
        f"{path.relative_to(HUB)}: {module}"
        for path in outside
        for module in imported_modules(path)
        if is_within(module, "requests") or is_payload_model(module)
    }
    assert not offenders


def test_vendor_boundaries_the_check_sees_an_offending_import(tmp_path: Path) -> None:
    module = tmp_path / "offender.py"
    module.write_text("def f():\n    from hub.vendors.phonet.models import CallEvent\n    import requests\n")
    found = imported_modules(module)
    assert {"hub.vendors.phonet.models", "requests"} <= found
    assert is_payload_model("hub.vendors.phonet.models.CallEvent") and not is_payload_model("hub.models.call")
