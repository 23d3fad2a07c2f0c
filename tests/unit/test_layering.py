"""Who may import whom (docs/architecture.md), checked on the source: stores know nothing of the
domain; the domain, the hub's records and the stores know no vendor; boto3 only in the stores,
`requests` and vendors' payload models only in the vendor packages (handlers call its parse
functions); handlers and routers read no store, and only the functions' handlers use the
composition root (hub.wiring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "shared" / "hub"


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files(*folders: Path) -> list[Path]:
    found = sorted(path for folder in folders for path in folder.rglob("*.py"))
    assert found, f"no modules under {folders}"
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def is_payload_model(module: str) -> bool:
    """`hub.vendors.<vendor>.models` or anything in it."""
    return module.split(".")[:2] == ["hub", "vendors"] and module.split(".")[3:4] == ["models"]


def offenders(paths: list[Path], forbidden: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in paths
        for name in sorted(imported_modules(path))
        if within(name, forbidden)
    ]


def test_layering_stores_import_nothing_from_the_domain() -> None:
    assert offenders(files(HUB / "store"), "hub.domain") == []


@pytest.mark.parametrize("forbidden", ["hub.store", "hub.domain", "hub.wiring", "hub.vendors"])
def test_layering_ports_import_no_adapter_domain_wiring_or_vendor(forbidden: str) -> None:
    assert offenders(files(HUB / "ports"), forbidden) == []


@pytest.mark.parametrize("package", ["domain", "models", "store"])
@pytest.mark.parametrize("forbidden", ["hub.vendors", "requests"])
def test_layering_domain_models_and_store_import_no_vendor(package: str, forbidden: str) -> None:
    assert offenders(files(HUB / package), forbidden) == []


def test_layering_requests_and_payload_models_only_inside_vendor_packages() -> None:
    """Handlers too: they call the vendor package's parse functions, never its models."""
    outside = [path for path in files(HUB, ROOT / "functions") if not path.is_relative_to(HUB / "vendors")]
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in outside
        for name in imported_modules(path)
        if within(name, "requests") or is_payload_model(name)
    ]
    assert found == []


def test_layering_boto3_only_in_the_stores() -> None:
    outside = [path for path in files(HUB) if not path.is_relative_to(HUB / "store")]
    assert offenders(outside, "boto3") + offenders(outside, "botocore") == []


def test_layering_handlers_and_routers_import_no_store() -> None:
    edges = files(ROOT / "functions", HUB / "api", HUB / "pages")
    assert offenders(edges, "hub.store") == []


def test_layering_library_modules_do_not_use_wiring_as_a_service_locator() -> None:
    library = [path for path in files(HUB) if path.name != "wiring.py"]
    assert offenders(library, "hub.wiring") == []


def test_layering_the_check_sees_an_offending_import(tmp_path: Path) -> None:
    module = tmp_path / "offender.py"
    module.write_text(
        "def f():\n    from hub.vendors.phonet.models.call_events import CallEvent\n    import requests\n"
    )
    found = imported_modules(module)
    assert {"hub.vendors.phonet.models.call_events", "requests"} <= found
    assert is_payload_model("hub.vendors.phonet.models.call_events.CallEvent")
    assert not is_payload_model("hub.models.call")
