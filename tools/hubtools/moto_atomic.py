"""Per-request atomicity for moto, as DynamoDB and SQS have it.

moto keeps its backends in plain dicts without locks: threads racing on one table can lose an
update or crash with "dictionary changed size during iteration". That is moto's artifact, not
DynamoDB's, and it would hide what our conditional writes do under concurrency. Serializing moto's
request dispatch gives each request the atomicity AWS gives it, and nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber

_lock = threading.RLock()


def make_moto_requests_atomic() -> None:
    """Patch in-process moto (mock_aws) so that each AWS request runs alone. Idempotent."""
    if getattr(BotocoreStubber, "_hub_atomic", False):
        return
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with _lock:
            return original(self, request)

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    BotocoreStubber._hub_atomic = True  # type: ignore[attr-defined]


def atomic_wsgi(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    """The same for moto in server mode: one request at a time through the WSGI app."""

    def serialized(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with _lock:
            return list(app(environ, start_response))

    return serialized
