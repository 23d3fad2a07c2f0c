"""Storage that does not answer (a timeout, a refused connection) is Unavailable — a retryable 503 or a
message back on its queue — from every store call, wrapped in `translated_errors` or not, never a 500."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from hub.errors import Unavailable
from hub.http import http_status
from hub.store.calls import CallStore
from hub.store.contacts import ContactStore
from hub.store.dynamo import throttling_as_unavailable
from hub.store.queues import QueuePublisher


@pytest.fixture
def dead_endpoint() -> Iterator[str]:
    """A loopback port nothing listens on: every connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


def client(service: str, endpoint: str) -> object:
    config = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1, read_timeout=1)
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="eu-central-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=config,
    )


def test_storage_unreachable_unwrapped_reads_are_unavailable(dead_endpoint: str) -> None:
    dynamodb = throttling_as_unavailable(client("dynamodb", dead_endpoint))
    contacts = ContactStore("contacts", dynamodb)
    calls = CallStore("calls", "contacts", "tenants", dynamodb)
    for read in (
        lambda: contacts.get("acme", "c1"),
        lambda: contacts.events("acme", "c1"),
        lambda: calls.open_callbacks("acme"),
    ):
        with pytest.raises(Unavailable) as raised:
            read()
        assert http_status(raised.value) == 503 and raised.value.retryable


def test_storage_unreachable_queue_send_is_unavailable(dead_endpoint: str) -> None:
    queue = QueuePublisher(f"{dead_endpoint}/123456789012/leads", client=client("sqs", dead_endpoint))
    with pytest.raises(Unavailable):
        queue.send({"tenant": "acme"})
    with pytest.raises(Unavailable):
        queue.send_all([{"tenant": "acme"}] * 3)
