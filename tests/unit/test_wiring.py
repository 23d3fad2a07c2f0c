"""The composition root: it loads a service's modules only when asked for it, and forgets it all on reset."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub import wiring
from hub.store import queues

ROOT = Path(__file__).resolve().parents[2]


def test_wiring_reset_forgets_every_cached_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TENANTS_TABLE": "tenants",
        "CONTACTS_TABLE": "contacts",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "testing",  # boto3 would look for credentials on the network otherwise
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    cached = [value for value in vars(wiring).values() if hasattr(value, "cache_clear")]
    for factory in cached:
        factory()
    queues.default_sqs_client()
    wiring.reset()
    assert [f.__name__ for f in [*cached, queues.default_sqs_client] if f.cache_info().currsize] == []


def test_wiring_import_loads_no_service_module() -> None:
    """Importing the root costs a function nothing for the services it never calls."""
    services = ("hub.domain.", "hub.store.", "hub.models.")
    code = f"import sys, hub.wiring; print(' '.join(m for m in sys.modules if m.startswith({services})))"
    env = {"PYTHONPATH": str(ROOT / "shared"), "PATH": ""}
    command = [sys.executable, "-B", "-c", code]  # -B: leaves no .pyc files in the checkout
    loaded = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["hub.store.dynamo"]
