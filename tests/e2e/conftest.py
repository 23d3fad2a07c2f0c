"""The local runner on free loopback ports, started once per session (it takes a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hubtools.local.runner import LocalHub

TOY_TEMPLATE = Path(__file__).parent / "toy" / "template.yaml"


@pytest.fixture(scope="session")
def hub() -> Iterator[LocalHub]:
    """The hub's own template.yaml, background pollers on, as `make run` has them; its rate schedules
    are fired by the tests that need them (/_local/schedules): a sync every 5 minutes landing in
    another test's sync would make what that test reads depend on the clock."""
    with LocalHub(api_port=0, aws_port=0, stack_name="e2e", schedules=False) as running:
        yield running


@pytest.fixture(scope="session")
def toy() -> Iterator[LocalHub]:
    """A toy template: pollers and schedules off, so each test drives them and sees exact counts."""
    with LocalHub(TOY_TEMPLATE, api_port=0, aws_port=0, stack_name="toy", background=False) as running:
        yield running
