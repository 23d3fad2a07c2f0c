"""SQS event sources and schedules of the template, driven as Lambda's pollers and EventBridge do."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hubtools.local.lambdas import FunctionSpec, InvocationError

log = logging.getLogger("hubtools.local")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
IDLE_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class SqsSource:
    function: str
    queue_arn: str
    queue_url: str
    batch_size: int
    window_s: float
    report_failures: bool


class SqsPoller:
    """Receives up to BatchSize messages, invokes the function, deletes what succeeded.

    With ReportBatchItemFailures, the ids in `batchItemFailures` stay on the queue; an error, or a
    failure id that is not in the batch, leaves the whole batch. Messages left there come back after
    the queue's visibility timeout, and the queue's redrive policy moves them to its DLQ after
    maxReceiveCount receives.
    """

    def __init__(
        self, source: SqsSource, sqs: Any, invoke: Callable[[str, dict[str, Any]], Any], region: str
    ):
        self.source, self.sqs, self.invoke, self.region = source, sqs, invoke, region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{source.function}", daemon=True)

    def start(self) -> SqsPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        """Short polls with a pause when idle: a long poll would hold moto's request lock (see
        hubtools.moto_atomic) and stall every other AWS call for its duration."""
        while not self._stop.is_set():
            try:
                received = self.poll_once()
            except Exception:  # noqa: BLE001 - a poller must survive anything and keep polling
                log.exception("polling %s failed", self.source.queue_arn)
                received = 0
            if not received:
                self._stop.wait(IDLE_POLL_SECONDS)

    def poll_once(self) -> int:
        """One batch: returns how many messages were received."""
        messages = self._receive()
        if not messages:
            return 0
        event = {"Records": [self._record(message) for message in messages]}
        try:
            result = self.invoke(self.source.function, event)
        except InvocationError as exc:
            log.error("%s failed on a batch of %d: %s", self.source.function, len(messages), exc)
            return len(messages)
        failed = self._failed_ids(result, {m["MessageId"] for m in messages})
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.source.queue_url, Entries=entries)
        if failed:
            log.warning(
                "%s reported %d of %d messages failed", self.source.function, len(failed), len(messages)
            )
        return len(messages)

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.source.window_s
        while len(messages) < self.source.batch_size:
            response = self.sqs.receive_message(
                QueueUrl=self.source.queue_url,
                MaxNumberOfMessages=min(10, self.source.batch_size - len(messages)),
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            batch = response.get("Messages", [])
            messages.extend(batch)
            if not batch and time.monotonic() >= deadline:
                break
            if not batch:
                time.sleep(0.05)
        return messages

    def _failed_ids(self, result: Any, batch_ids: set[str]) -> set[str]:
        if not self.source.report_failures or not isinstance(result, dict):
            return set()
        failures = result.get("batchItemFailures") or []
        ids = {str(item.get("itemIdentifier", "")) for item in failures if isinstance(item, dict)}
        if len(ids) != len(failures) or not ids <= batch_ids:
            log.error(
                "%s returned an invalid batchItemFailures: the whole batch is retried", self.source.function
            )
            return batch_ids
        return ids

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.source.queue_arn,
            "awsRegion": self.region,
        }


def sqs_sources(specs: dict[str, FunctionSpec], queue_url_for_arn: Callable[[str], str]) -> list[SqsSource]:
    sources = []
    for spec in specs.values():
        for event in spec.events.values():
            if event.get("Type") != "SQS":
                continue
            props = event["Properties"]
            sources.append(
                SqsSource(
                    function=spec.logical_id,
                    queue_arn=props["Queue"],
                    queue_url=queue_url_for_arn(props["Queue"]),
                    batch_size=int(props.get("BatchSize", 10)),
                    window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                )
            )
    return sources


@dataclass(frozen=True)
class Schedule:
    function: str
    name: str
    expression: str
    input: str | None
    enabled: bool

    def interval_s(self) -> float | None:
        """Seconds between firings for rate(); cron() schedules fire on demand only, locally."""
        match = _RATE.match(self.expression.strip())
        if not match:
            return None
        unit = match.group(2).rstrip("s")
        return int(match.group(1)) * _UNIT_SECONDS[unit]

    def event(self, region: str) -> dict[str, Any]:
        if self.input is not None:
            return json.loads(self.input)
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": region,
            "resources": [f"arn:aws:events:{region}:123456789012:rule/{self.function}-{self.name}"],
            "detail": {},
        }


def schedules(specs: dict[str, FunctionSpec]) -> list[Schedule]:
    found = []
    for spec in specs.values():
        for name, event in spec.events.items():
            props = event.get("Properties", {})
            if event.get("Type") == "Schedule":
                expression, enabled = props["Schedule"], props.get("Enabled", True)
            elif event.get("Type") == "ScheduleV2":
                expression, enabled = props["ScheduleExpression"], props.get("State", "ENABLED") == "ENABLED"
            else:
                continue
            found.append(Schedule(spec.logical_id, name, expression, props.get("Input"), bool(enabled)))
    return found


class Scheduler:
    """Fires each enabled rate() schedule at its rate (first after one interval), and any on demand."""

    def __init__(self, entries: list[Schedule], invoke: Callable[[str, dict[str, Any]], Any], region: str):
        self.entries, self.invoke, self.region = entries, invoke, region
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Scheduler:
        for entry in self.entries:
            interval = entry.interval_s()
            if entry.enabled and interval:
                thread = threading.Thread(target=self._every, args=(entry, interval), daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def fire(self, function_or_name: str) -> Any:
        """Invoke a schedule now, by its function's logical id or its event's name."""
        for entry in self.entries:
            if function_or_name in (entry.function, entry.name):
                return self.invoke(entry.function, entry.event(self.region))
        raise KeyError(f"no schedule {function_or_name!r}")

    def _every(self, entry: Schedule, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.invoke(entry.function, entry.event(self.region))
            except InvocationError as exc:
                log.error("schedule %s of %s failed: %s", entry.name, entry.function, exc)
