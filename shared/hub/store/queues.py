"""SQS: the async half of the hub (leads, UTM labels, imports, syncs, dial chunks, call notes)."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from hub.errors import Unavailable
from hub.secrets import sha256_hex
from hub.store.dynamo import throttling_as_unavailable, translated_errors


@cache
def default_sqs_client() -> Any:
    return throttling_as_unavailable(
        boto3.client("sqs", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    )


class QueuePublisher:
    """Sends one JSON message per unit of work. A short delay lets the sender's own write land
    before a worker looks for it."""

    def __init__(self, queue_url: str, client: Any = None, delay_seconds: int = 2) -> None:
        self.queue_url = queue_url
        self.delay_seconds = delay_seconds
        self._client = client

    def send(
        self,
        message: Any,
        delay_seconds: int | None = None,
        *,
        group: str | None = None,
        deduplication: str | None = None,
    ) -> None:
        """One message, after this publisher's delay or `delay_seconds` (SQS waits at most 900). To a
        FIFO queue: in message `group` (worked on one at a time, in order), a repeat of `deduplication`
        within SQS's five minutes dropped; a FIFO queue takes no per-message delay."""
        body = asdict(message) if is_dataclass(message) and not isinstance(message, type) else message
        delay = self.delay_seconds if delay_seconds is None else delay_seconds
        text = json.dumps(body)
        extra: dict[str, Any] = {"DelaySeconds": delay}
        if group is not None:
            extra = {"MessageGroupId": group, "MessageDeduplicationId": deduplication or sha256_hex(text)}
        client = self._client or default_sqs_client()
        with translated_errors():
            client.send_message(QueueUrl=self.queue_url, MessageBody=text, **extra)

    def send_all(self, messages: list[Any]) -> None:
        """Many messages in SendMessageBatch calls of ten (the API's limit; the caller keeps ten
        messages under its 256 KiB). Entries SQS refuses are sent again once, then it is an error."""
        client = self._client or default_sqs_client()
        for start in range(0, len(messages), 10):
            entries = [
                {
                    "Id": str(number),
                    "MessageBody": json.dumps(message, ensure_ascii=False),
                    "DelaySeconds": self.delay_seconds,
                }
                for number, message in enumerate(messages[start : start + 10])
            ]
            for attempt in (1, 2):
                with translated_errors():
                    response = client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
                failed = {failure["Id"] for failure in response.get("Failed", [])}
                entries = [entry for entry in entries if entry["Id"] in failed]
                if not entries:
                    break
                if attempt == 2:
                    raise Unavailable(f"the queue refused {len(entries)} messages")
