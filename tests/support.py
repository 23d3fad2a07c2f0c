"""Helpers the test suites import: sample events, fresh handler modules, the sample events' tokens."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from hub.domain.tenants import TenantContext
from hub.models.call import LegEvent, PresenceChange
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import call_event_record

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
# The token the sample events in events/ carry; tests give it to the "acme" tenant.
ACME_PHONET_TOKEN = "acme-phonet-token-0123456789abcdef"
ACME_AVTODIALER_TOKEN = "acme-avtodialer-token-0123456789ab"
GLOBEX_PHONET_TOKEN = "globex-phonet-token-0123456789abcd"
GLOBEX_AVTODIALER_TOKEN = "globex-avtodialer-token-0123456789"


def load_event(relative: str) -> dict[str, Any]:
    return json.loads((EVENTS / relative).read_text(encoding="utf-8"))


def load_function(name: str) -> ModuleType:
    """A fresh copy of functions/<name>/app.py: every test gets cold-start state."""
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"functions_{name}_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def with_body(event_file: str, body: Any, **overrides: Any) -> dict[str, Any]:
    """A sample event with another body (a dict or list is sent as JSON)."""
    event = load_event(event_file)
    event["body"] = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    event.update(overrides)
    return event


def event_body(event_file: str) -> Any:
    return json.loads(load_event(event_file)["body"])


@dataclass
class LambdaContext:
    """The attributes of Lambda's context that the handlers and Powertools read."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def sqs_record(message: dict[str, Any], queue: str = "queue") -> dict[str, Any]:
    """A message received from moto's SQS as the record Lambda's event source hands a worker."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "0",
            "SenderId": "x",
            "ApproximateFirstReceiveTimestamp": "0",
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:eu-central-1:123456789012:{queue}",
        "awsRegion": "eu-central-1",
    }


def phonet_record(context: TenantContext, body: dict[str, Any]) -> LegEvent | PresenceChange:
    """A Phonet §A2 body as the events handler hands it to the call service."""
    return call_event_record(CallEvent.model_validate(body), context.tenant)
