"""The stack's dead-letter queues for hubctl: which there are, how deep, and moving their messages
back to the queue they came from once the cause is fixed (docs/operations.md).

A DLQ is found by the redrive policy of a queue of the stack (names start with `{stack}-`), so the
source of every DLQ is known and a replay cannot send messages anywhere else. A replay of the whole
queue asks SQS for a message move task (StartMessageMoveTask: SQS moves the messages itself, at its
own pace). Where that is not offered (moto, an older endpoint), or for `--max` and `--dry-run`,
hubctl moves them itself in batches of ten: each batch is sent to the source queue and only the
messages SQS accepted are deleted from the DLQ, so a message is never lost; a replay cut short
between the two leaves it in both queues, which the workers tolerate (their messages are
idempotent). A FIFO message keeps its group and deduplication id, so its group's order holds and a
replay repeated within SQS's five-minute window is not delivered twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from hub.errors import BadRequest, NotFound

BATCH = 10  # SQS's most per receive, send and delete
# How long a received message stays hidden from other readers while hubctl sends it on (or lists it).
HOLD_SECONDS = 120
DRY_RUN_LIMIT = 100
# Error codes meaning "this endpoint has no message move tasks": hubctl then moves them itself.
MOVE_TASK_UNSUPPORTED = frozenset(
    {"UnsupportedOperation", "InvalidAction", "NotImplemented", "InternalFailure"}
)
_ATTRIBUTE_FIELDS = ("DataType", "StringValue", "BinaryValue")


@dataclass(frozen=True)
class DeadLetterQueue:
    name: str
    url: str
    arn: str
    depth: int  # ApproximateNumberOfMessages: visible, waiting for an operator
    in_flight: int  # ApproximateNumberOfMessagesNotVisible: being read (by a replay, say)
    source_name: str
    source_url: str
    source_arn: str
    fifo: bool

    def summary(self) -> dict[str, Any]:
        return {
            "queue": self.name,
            "messages": self.depth,
            "in_flight": self.in_flight,
            "source": self.source_name,
            "fifo": self.fifo,
            "url": self.url,
        }


def dead_letter_queues(sqs: Any, stack: str) -> list[DeadLetterQueue]:
    """Every queue of the stack that another one's redrive policy names, with its source."""
    attributes: dict[str, dict[str, str]] = {}
    for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=f"{stack}-"):
        for url in page.get("QueueUrls", []):
            found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            attributes[url] = found
    by_arn = {found["QueueArn"]: url for url, found in attributes.items()}
    queues = []
    for source_url, found in attributes.items():
        if "RedrivePolicy" not in found:
            continue
        target = json.loads(found["RedrivePolicy"])["deadLetterTargetArn"]
        url = by_arn.get(target)
        if url is None:  # a DLQ outside the stack: not hubctl's to touch
            continue
        dlq = attributes[url]
        queues.append(
            DeadLetterQueue(
                name=_name(url),
                url=url,
                arn=target,
                depth=int(dlq.get("ApproximateNumberOfMessages", 0)),
                in_flight=int(dlq.get("ApproximateNumberOfMessagesNotVisible", 0)),
                source_name=_name(source_url),
                source_url=source_url,
                source_arn=found["QueueArn"],
                fifo=dlq.get("FifoQueue") == "true",
            )
        )
    return sorted(queues, key=lambda queue: queue.name)


def dead_letter_queue(sqs: Any, stack: str, wanted: str) -> DeadLetterQueue:
    """The DLQ named by its URL, its name, or a part of its name only it has (`Leads`, `CallNotes`):
    CloudFormation appends a random suffix to the names it makes up."""
    queues = dead_letter_queues(sqs, stack)
    exact = [q for q in queues if wanted in (q.url, q.name)]
    matches = exact or [q for q in queues if wanted.lower() in q.name.lower()]
    if not matches:
        raise NotFound(
            f"no dead-letter queue of stack {stack!r} is named {wanted!r}",
            code="unknown_queue",
            details={"queues": [q.name for q in queues]},
        )
    if len(matches) > 1:
        raise BadRequest(
            f"{wanted!r} names several dead-letter queues: say which",
            code="ambiguous_queue",
            details={"queues": [q.name for q in matches]},
        )
    return matches[0]


def replay(
    sqs: Any,
    dlq: DeadLetterQueue,
    max_messages: int | None = None,
    dry_run: bool = False,
    wait_seconds: int = 1,
) -> dict[str, Any]:
    """Move the DLQ's messages (at most `max_messages`) back to their source queue; `dry_run` lists
    them instead and leaves them where they are."""
    if max_messages is None and not dry_run:
        task = _start_move_task(sqs, dlq)
        if task is not None:
            return {
                "queue": dlq.name,
                "source": dlq.source_name,
                "mode": "move_task",
                "task_handle": task,
                "messages": dlq.depth,
                "note": "SQS moves the messages itself; `hubctl dlq list` shows the queue emptying",
            }
    if dry_run:
        return _list(sqs, dlq, max_messages, wait_seconds)
    return _move(sqs, dlq, max_messages, wait_seconds)


def _start_move_task(sqs: Any, dlq: DeadLetterQueue) -> str | None:
    """A move task's handle, or None where the endpoint offers none."""
    try:
        answer = sqs.start_message_move_task(SourceArn=dlq.arn, DestinationArn=dlq.source_arn)
    except NotImplementedError:  # moto in the same process
        return None
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in MOVE_TASK_UNSUPPORTED:
            return None
        raise
    return str(answer["TaskHandle"])


def _receive(sqs: Any, dlq: DeadLetterQueue, count: int, wait_seconds: int) -> list[dict[str, Any]]:
    answer = sqs.receive_message(
        QueueUrl=dlq.url,
        MaxNumberOfMessages=count,
        WaitTimeSeconds=wait_seconds,
        VisibilityTimeout=HOLD_SECONDS,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return list(answer.get("Messages", []))


def _move(sqs: Any, dlq: DeadLetterQueue, max_messages: int | None, wait_seconds: int) -> dict[str, Any]:
    moved, failed, left = 0, [], []
    while max_messages is None or moved < max_messages:
        count = BATCH if max_messages is None else min(BATCH, max_messages - moved)
        messages = _receive(sqs, dlq, count, wait_seconds)
        if not messages:
            break
        entries = {str(index): message for index, message in enumerate(messages)}
        answer = sqs.send_message_batch(
            QueueUrl=dlq.source_url,
            Entries=[_resend(entry_id, message, dlq.fifo) for entry_id, message in entries.items()],
        )
        sent = [entries[entry["Id"]] for entry in answer.get("Successful", [])]
        if sent:
            deleted = sqs.delete_message_batch(
                QueueUrl=dlq.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(sent)],
            )
            # sent but still in the DLQ: a later replay would send it again (the workers tolerate it)
            left += [sent[int(entry["Id"])]["MessageId"] for entry in deleted.get("Failed", [])]
        moved += len(sent)
        if answer.get("Failed"):
            unsent = [entries[entry["Id"]] for entry in answer["Failed"]]
            _release(sqs, dlq, unsent)
            failed = [
                {
                    "message_id": entries[e["Id"]]["MessageId"],
                    "code": e.get("Code"),
                    "message": e.get("Message"),
                }
                for e in answer["Failed"]
            ]
            break  # the rest waits: a FIFO group must not go on without the message it lost
    return {
        "queue": dlq.name,
        "source": dlq.source_name,
        "mode": "moved",
        "moved": moved,
        "failed": failed,
        "sent_not_deleted": left,
    }


def _resend(entry_id: str, message: dict[str, Any], fifo: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": message["Body"]}
    attributes = {
        name: {field: value[field] for field in _ATTRIBUTE_FIELDS if field in value}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        entry["MessageAttributes"] = attributes
    if fifo:
        system = message.get("Attributes", {})
        entry["MessageGroupId"] = system["MessageGroupId"]
        entry["MessageDeduplicationId"] = system.get("MessageDeduplicationId") or message["MessageId"]
    return entry


def _list(sqs: Any, dlq: DeadLetterQueue, max_messages: int | None, wait_seconds: int) -> dict[str, Any]:
    """Read without deleting; every message read is held (so the next receive finds the others) and
    made visible again at the end. At most DRY_RUN_LIMIT unless told: all of them must be read
    within HOLD_SECONDS, or the first come round again."""
    held: list[dict[str, Any]] = []
    limit = DRY_RUN_LIMIT if max_messages is None else max_messages
    try:
        while len(held) < limit:
            messages = _receive(sqs, dlq, min(BATCH, limit - len(held)), wait_seconds)
            if not messages:
                break
            held += messages
    finally:
        _release(sqs, dlq, held)
    return {
        "queue": dlq.name,
        "source": dlq.source_name,
        "mode": "dry_run",
        "would_move": len(held),
        "messages": [_described(message) for message in held],
    }


def _described(message: dict[str, Any]) -> dict[str, Any]:
    system = message.get("Attributes", {})
    return {
        "message_id": message["MessageId"],
        "receive_count": int(system.get("ApproximateReceiveCount", 0)),
        "sent_at": int(system.get("SentTimestamp", 0)),
        "group": system.get("MessageGroupId"),
        "body": message["Body"][:200],
    }


def _release(sqs: Any, dlq: DeadLetterQueue, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), BATCH):
        batch = messages[start : start + BATCH]
        sqs.change_message_visibility_batch(
            QueueUrl=dlq.url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(batch)
            ],
        )


def _name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]
