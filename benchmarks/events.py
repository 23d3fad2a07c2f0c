"""Call-event ingestion benchmark: events per second through the Phonet events handler, and the
DynamoDB requests each event costs, first deliveries and duplicates apart.

In-process on moto; prints figures, asserts nothing. The floor is a bare PutItem of a call-sized
item on the same table, measured in the same run. moto deep-copies every table a transaction touches
(its rollback), so its transactions slow down as tables grow: that is moto's cost, not DynamoDB's.

    python benchmarks/events.py --calls 300
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-central-1")
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from quiet import quietly  # noqa: E402

from hub import wiring  # noqa: E402
from hub.models.tenant import Tenant, TenantSettings, Vendor  # noqa: E402
from hub.secrets import sha256_hex  # noqa: E402
from hub.store.dynamo import default_client  # noqa: E402
from hub.store.tenants import TenantStore  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import ACME_PHONET_TOKEN, LambdaContext, load_event, load_function  # noqa: E402

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


class RequestCounter:
    """Counts DynamoDB requests by operation, items written, writes refused by a condition, and the
    time spent inside those requests (moto's time, not the hub's)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.items_written = 0
        self.refused = 0
        self.inside_ms = 0.0
        self._started = 0
        client.meta.events.register("provide-client-params.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self._started = time.perf_counter_ns()
        self.calls[model.name] += 1
        if model.name == "TransactWriteItems":
            self.items_written += len(params["TransactItems"])
        elif model.name in WRITES:
            self.items_written += 1

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.inside_ms += (time.perf_counter_ns() - self._started) / 1e6
        code = parsed.get("Error", {}).get("Code", "")
        if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            self.refused += 1

    def snapshot(self) -> tuple[Counter[str], int, int, float]:
        return Counter(self.calls), self.items_written, self.refused, self.inside_ms


def event_bodies(count: int) -> list[list[dict[str, Any]]]:
    """`count` answered inbound calls from known numbers, three events each."""
    calls = []
    for i in range(count):
        base = {
            "uuid": f"bench{i:027d}",
            "lgDirection": 4,
            "accountDomain": "bench.phonet.com.ua",
            "dialAt": 1_700_000_000_000 + i * 1000,
            "leg": {"id": 1, "ext": "001", "displayName": "Ivan"},
            "otherLegs": [{"num": f"+38050{i % 500:07d}"}],
            "trunkNum": "0800218500",
        }
        calls.append(
            [
                {**base, "event": "call.dial", "serverTime": base["dialAt"]},
                {
                    **base,
                    "event": "call.bridge",
                    "bridgeAt": base["dialAt"] + 4000,
                    "serverTime": base["dialAt"] + 4000,
                },
                {
                    **base,
                    "event": "call.hangup",
                    "bridgeAt": base["dialAt"] + 4000,
                    "serverTime": base["dialAt"] + 60000,
                },
            ]
        )
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    with mock_aws():
        template = Template(stack_name="bench", region="eu-central-1")
        template.create_tables(boto3.client("dynamodb"))
        template.create_queues(boto3.client("sqs"))
        for name, value in template.function_environment("PhonetEventsFunction").items():
            os.environ.setdefault(name, value)
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        os.environ["LEADS_QUEUE_DELAY_SECONDS"] = "0"
        wiring.reset()
        tenants = TenantStore(template.table_name("TenantsTable"))
        settings = TenantSettings(phonet_ip_allowlist_enabled=False, leads_from_inbound=False)
        tenants.create_tenant(
            Tenant(slug="acme", name="Acme", settings=settings),
            {Vendor.PHONET: sha256_hex(ACME_PHONET_TOKEN)},
        )
        handler = quietly(load_function("phonet_events").handler)
        context = LambdaContext(function_name="bench")
        event = load_event("phonet_events/call_dial.json")
        counter = RequestCounter(default_client())

        def deliver(body: dict[str, Any]) -> float:
            event["body"] = json.dumps(body)
            started = time.perf_counter_ns()
            response = handler(event, context)
            elapsed = (time.perf_counter_ns() - started) / 1e6
            assert response["statusCode"] == 200, response
            return elapsed

        calls = event_bodies(args.calls)
        deliver(calls[0][0])  # warm: imports, clients, tenant cache
        before = counter.snapshot()
        first_ms = [deliver(body) for call in calls for body in call]
        after_first = counter.snapshot()
        duplicate_ms = [deliver(body) for call in calls for body in call]
        after_duplicates = counter.snapshot()

        table = template.table_name("CallsTable")
        client = default_client()
        floor_ms = []
        for i in range(len(first_ms)):
            item = {"pk": {"S": f"acme#FLOOR#{i}"}, "sk": {"S": "CALL"}, "body": {"S": "x" * 2000}}
            started = time.perf_counter_ns()
            client.put_item(TableName=table, Item=item)
            floor_ms.append((time.perf_counter_ns() - started) / 1e6)

    def per_event(start: tuple, end: tuple, events: int) -> str:
        ops = end[0] - start[0]
        listed = ", ".join(f"{name} {count / events:.2f}" for name, count in sorted(ops.items()))
        written, refused = (end[1] - start[1]) / events, (end[2] - start[2]) / events
        return f"{written:.2f} items written, {refused:.2f} writes refused; requests: {listed}"

    events = len(first_ms)
    floor = statistics.median(floor_ms)
    print(f"\nPhonet call events, in-process on moto: {args.calls} calls x 3 events, then all again\n")
    columns = ["deliveries", "events/s", "median ms", "p95 ms", "vs PutItem floor", "in moto ms", "in hub ms"]
    print("| " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, samples, (start_at, end_at) in (
        ("first", first_ms, (before, after_first)),
        ("duplicate", duplicate_ms, (after_first, after_duplicates)),
    ):
        ordered = sorted(samples)
        median = statistics.median(ordered)
        inside = (end_at[3] - start_at[3]) / len(samples)
        own = sum(samples) / len(samples) - inside
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        rate = 1000 * len(samples) / sum(samples)
        cells = [
            label,
            f"{rate:.0f}",
            f"{median:.2f}",
            f"{p95:.2f}",
            f"{median / floor:.1f}x",
            f"{inside:.2f}",
        ]
        print("| " + " | ".join([*cells, f"{own:.2f}"]) + " |")
    print(f"| bare PutItem (floor) | {1000 / floor:.0f} | {floor:.2f} | | 1.0x | | |")
    print(f"\nDynamoDB per first delivery: {per_event(before, after_first, events)}")
    print(f"DynamoDB per duplicate:      {per_event(after_first, after_duplicates, events)}")
    print("(each item of a transaction counts as written; the raw body is one PutItem per delivery;")
    print(" 'in moto' is the mean time inside DynamoDB requests, 'in hub' the rest of the handler)")


if __name__ == "__main__":
    main()
