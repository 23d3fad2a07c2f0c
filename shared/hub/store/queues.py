"""SQS: the async half of the hub (lead capture now; dial chunks and syncs later)."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from hub.errors import Unavailable
from hub.store.dynamo import translated_errors


@cache
def default_sqs_client() -> Any:
    return boto3.client("sqs", config=Config(retries={"mode": "standard", "max_attempts": 3}))


class QueuePublisher:
    """Sends one JSON message per unit of work. A short delay lets the sender's own write land
    before a worker looks for it."""

    def __init__(self, queue_url: str, client: Any = None, delay_seconds: int = 2) -> None:
        self.queue_url = queue_url
        self.delay_seconds = delay_seconds
        self._client = client

    def send(self, message: Any) -> None:
        body = asdict(message) if is_dataclass(message) and not isinstance(message, type) else message
        client = self._client or default_sqs_client()
        with translated_errors():
            client.send_message(
                QueueUrl=self.queue_url, MessageBody=json.dumps(body), DelaySeconds=self.delay_seconds
            )

    def send_all(self, messages: list[Any]) -> None:
        """Many messages, ten to a SendMessageBatch call; a message SQS refused is sent again, and a
        second refusal raises (the caller's retry sends them all again: workers must be idempotent)."""
        client = self._client or default_sqs_client()
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(n), "MessageBody": json.dumps(message), "DelaySeconds": self.delay_seconds}
                for n, message in enumerate(messages[start : start + 10])
            ]
            for attempt in range(2):
                with translated_errors():
                    failed = client.send_message_batch(QueueUrl=self.queue_url, Entries=entries).get("Failed")
                if not failed:
                    break
                refused = {entry["Id"] for entry in failed}
                entries = [entry for entry in entries if entry["Id"] in refused]
                if attempt:
                    raise Unavailable("the queue refused some messages; retry")
