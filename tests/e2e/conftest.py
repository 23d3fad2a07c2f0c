"""The local runner on free loopback ports, started once per session (it takes a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hubtools.local.runner import LocalHub

TOY_TEMPLATE = Path(__file__).parent / "toy" / "template.yaml"


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The hub's own template.yaml, background pollers and schedules on, as `make run` has them."""
    with LocalHub(api_port=0, aws_port=0, stack_name="e2e") as running:
        yield running


@pytest.fixture(scope="session")
def toy() -> Iterator[LocalHub]:
    """A toy template: pollers and schedules off, so each test drives them and sees exact counts."""
    with LocalHub(TOY_TEMPLATE, api_port=0, aws_port=0, stack_name="toy", background=False) as running:
        yield running
