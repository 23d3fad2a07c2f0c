"""Fixtures for the vendor-fake tests: started fakes and a hook receiver standing in for the hub."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from werkzeug.routing import Rule
from werkzeug.wrappers import Request

from hubtools.fakes import AvtodialerFake, FakeServer, ObzvonilkaFake, PhonetFake


class Receiver(FakeServer):
    """A stand-in hub: answers any path with ``replies[path]`` (default ``{"ok": true}``) and journals
    what it got -- the journal and fault injection come from FakeServer for free."""

    name = "receiver"
    rules: ClassVar[list[Rule]] = [
        Rule("/<path:p>", endpoint="any", methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]

    def __init__(self, replies: dict[str, Any] | None = None) -> None:
        self.replies = replies or {}
        super().__init__()

    def _h_any(self, request: Request, p: str) -> Any:
        return self.replies.get("/" + p, {"ok": True})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def phonet() -> Iterator[PhonetFake]:
    with PhonetFake() as fake:
        yield fake


@pytest.fixture
def avtodialer(receiver: Receiver) -> Iterator[AvtodialerFake]:
    with AvtodialerFake(webhook_url=f"{receiver.url}/avtodialer/result") as fake:
        yield fake


@pytest.fixture
def obzvonilka() -> Iterator[ObzvonilkaFake]:
    with ObzvonilkaFake() as fake:
        yield fake
