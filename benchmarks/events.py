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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-central-1")
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from figures import share  # noqa: E402
from instruments import INSTRUMENTS, Tally, begin, parse_arguments, stored_bytes  # noqa: E402
from moto import mock_aws  # noqa: E402
from quiet import quietly  # noqa: E402

from hub import wiring  # noqa: E402
from hub.models.tenant import Tenant, TenantSettings, Vendor  # noqa: E402
from hub.secrets import sha256_hex  # noqa: E402
from hub.store.dynamo import default_client  # noqa: E402
from hub.store.tenants import TenantStore  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import ACME_PHONET_TOKEN, LambdaContext, load_event, load_function  # noqa: E402


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
    args = parse_arguments(parser)
    figures = begin("events", args)
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

        def deliver(body: dict[str, Any]) -> float:
            event["body"] = json.dumps(body)
            started = time.perf_counter_ns()
            response = handler(event, context)
            elapsed = (time.perf_counter_ns() - started) / 1e6
            assert response["statusCode"] == 200, response
            return elapsed

        calls = event_bodies(args.calls)
        deliver(calls[0][0])  # warm: imports, clients, tenant cache
        stored_before = stored_bytes()
        with INSTRUMENTS.measuring() as first:
            first_cpu = time.thread_time()
            first_ms = [deliver(body) for call in calls for body in call]
            first_cpu = time.thread_time() - first_cpu
        stored = stored_bytes() - stored_before
        with INSTRUMENTS.measuring() as duplicates:
            duplicate_cpu = time.thread_time()
            duplicate_ms = [deliver(body) for call in calls for body in call]
            duplicate_cpu = time.thread_time() - duplicate_cpu

        table = template.table_name("CallsTable")
        client = default_client()
        floor_ms = []
        floor_cpu = time.thread_time()
        for i in range(len(first_ms)):
            item = {"pk": {"S": f"acme#FLOOR#{i}"}, "sk": {"S": "CALL"}, "body": {"S": "x" * 2000}}
            started = time.perf_counter_ns()
            client.put_item(TableName=table, Item=item)
            floor_ms.append((time.perf_counter_ns() - started) / 1e6)
        floor_cpu = time.thread_time() - floor_cpu

    def per_event(tally: Tally, events: int) -> str:
        listed = ", ".join(f"{name} {count / events:.2f}" for name, count in sorted(tally.calls.items()))
        written, refused = tally.dynamodb_writes()[1] / events, tally.refused / events
        return f"{written:.2f} items written, {refused:.2f} writes refused; requests: {listed}"

    events = len(first_ms)
    floor = statistics.median(floor_ms)
    print(f"\nPhonet call events, in-process on moto: {args.calls} calls x 3 events, then all again\n")
    columns = [
        "deliveries",
        "events/s",
        "median ms",
        "p95 ms",
        "vs PutItem floor",
        "CPU ms",
        "in moto CPU ms",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, samples, tally, cpu_s in (
        ("first", first_ms, first, first_cpu),
        ("duplicate", duplicate_ms, duplicates, duplicate_cpu),
    ):
        ordered = sorted(samples)
        median = statistics.median(ordered)
        inside = tally.moto_total_s() * 1000 / len(samples)
        own = cpu_s * 1000 / len(samples)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        rate = 1000 * len(samples) / sum(samples)
        cells = [
            label,
            f"{rate:.0f}",
            f"{median:.2f}",
            f"{p95:.2f}",
            f"{median / floor:.1f}x",
            f"{own:.2f}",
        ]
        print("| " + " | ".join([*cells, f"{inside:.2f}"]) + " |")
        rate_name = "events ingested per second" + (", duplicates" if label == "duplicate" else "")
        figures.add(
            rate_name,
            rate,
            "events/s",
            baseline="PutItem of a call-sized item",
            baseline_value=1000 / floor,
            moto_share=share(tally.moto_total_s(), cpu_s),
            cpu=len(samples) / cpu_s,
            baseline_cpu=len(floor_ms) / floor_cpu,
            note=f"{args.calls} calls x 3 events, one at a time",
        )
        figures.add(
            "events: DynamoDB requests per event" + (", duplicates" if label == "duplicate" else ""),
            tally.dynamodb_requests() / len(samples),
            "requests",
            per="event",
            baseline="one PutItem",
            baseline_value=1.0,
            note=f"{tally.dynamodb_reads() / len(samples):.2f} reads, "
            f"{tally.dynamodb_writes()[1] / len(samples):.2f} item writes",
        )
    print(f"| bare PutItem (floor) | {1000 / floor:.0f} | {floor:.2f} | | 1.0x | | |")
    print(f"\nDynamoDB per first delivery: {per_event(first, events)}")
    print(f"DynamoDB per duplicate:      {per_event(duplicates, events)}")
    print(f"stored per call (3 events): {stored / args.calls:.0f} bytes, every table")
    print("(each item of a transaction counts as written; the raw body is one PutItem per delivery;")
    print(" CPU ms is the handler's CPU time per event, 'in moto' the part inside moto's dispatch)")
    figures.add(
        "events: item writes per event",
        first.dynamodb_writes()[1] / events,
        "items",
        per="event",
        note="each item of a transaction counted",
    )
    figures.add(
        "events: bytes stored per call",
        stored / args.calls,
        "bytes",
        per="call",
        note="3 events (dial, bridge, hangup), every table",
    )
    figures.write(args.json)


if __name__ == "__main__":
    main()
