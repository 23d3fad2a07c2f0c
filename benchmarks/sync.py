"""Call-history sync benchmark: N finished calls in the Phonet fake's history (loopback HTTP), read by
the sync worker's handler and stored as calls, until the run's cursor has passed them all.

In-process on moto; prints figures, asserts nothing but success (every row created once). The worker
gets the SQS message POST /api/v1/sync/phonet_calls queues, as many times as its runs need (a run
stops after SyncLimits.run_ms, well inside Lambda's timeout; the next goes on from the cursor). A
warm-up tenant with its own fake syncs a few rows first (imports, clients, the Phonet session).
The baseline, in the same run: every item the sync stored, written once more with BatchWriteItem
(the same bytes, under other keys). Counts and moto's share: benchmarks/instruments.py; CPU time is
the main thread's (the fake answers from threads of its own: its time is the vendor's wall time).

    python benchmarks/sync.py --rows 10000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-central-1")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"

import boto3  # noqa: E402
from figures import share  # noqa: E402
from instruments import INSTRUMENTS, begin, parse_arguments, stored_bytes  # noqa: E402
from moto import mock_aws  # noqa: E402
from quiet import quietly  # noqa: E402

from hub import wiring  # noqa: E402
from hub.domain.tenants import create_tenant  # noqa: E402
from hub.ids import now_ms  # noqa: E402
from hub.models.tenant import Tenant, TenantSettings, Vendor, credentials_for  # noqa: E402
from hubtools.fakes import PhonetFake  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import LambdaContext  # noqa: E402

SOURCE = "phonet_calls"


def seed_history(pbx: PhonetFake, count: int, now: int) -> None:
    """`count` answered inbound calls from distinct numbers, 3 s apart, the last ending 5 minutes ago
    (10,000 rows span about 8 hours: a busy PBX's day)."""
    end = now - 5 * 60_000
    for i in range(count):
        pbx.add_finished_call(
            end_at=end - (count - i) * 3000, other_leg_num=f"+38067{1000000 + i:07d}", bill_secs=20
        )


class Hub:
    """The template's tables and queues in a fresh moto, and tenants whose Phonet credentials point
    at fakes on loopback."""

    def __enter__(self) -> Hub:
        self.mock = mock_aws()
        self.mock.start()
        self.template = Template(stack_name="bench", region="eu-central-1")
        self.template.create_tables(boto3.client("dynamodb"))
        self.template.create_queues(boto3.client("sqs"))
        for logical_id in self.template.of_type("AWS::Serverless::Function"):
            os.environ.update(self.template.function_environment(logical_id))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        wiring.reset()
        from tests.support import load_function

        self.worker = quietly(load_function("sync_worker").handler)
        self.fakes: list[PhonetFake] = []
        return self

    def __exit__(self, *_exc: object) -> None:
        for fake in self.fakes:
            fake.__exit__(None, None, None)
        self.mock.stop()
        wiring.reset()

    def tenant(self, slug: str) -> PhonetFake:
        pbx = PhonetFake(domain=f"{slug}.phonet.com.ua", api_key=f"{slug}-key").__enter__()
        self.fakes.append(pbx)
        # No lead per unknown caller (as in events.py): nobody consumes the leads queue here, and moto's
        # SendMessage counts a queue's messages each time (its attributes), so 10,000 leads would make
        # the sync quadratic in moto; the lead worker's cost is its own.
        settings = TenantSettings(leads_from_inbound=False)
        tenant = Tenant(slug=slug, name=slug, default_country="UA", settings=settings)
        create_tenant(wiring.tenant_store(), tenant)
        fields = {"domain": pbx.domain, "api_key": pbx.api_key, "base_url": pbx.url}
        wiring.vendor_secrets().put(slug, Vendor.PHONET, credentials_for(Vendor.PHONET, fields))
        wiring.tenant_store().put_credentials(slug, Vendor.PHONET, now_ms())
        return pbx

    def sync_until_done(self, slug: str, rows: int, max_runs: int = 50) -> list[dict[str, Any]]:
        """The worker's runs, one message each, until they have created `rows` calls (or a run reads
        nothing new); each run's record."""
        runs: list[dict[str, Any]] = []
        created = 0
        while created < rows and len(runs) < max_runs:
            body = {"tenant": slug, "source": SOURCE, "requested_at": now_ms(), "on_demand": True}
            record = {"messageId": f"m{len(runs)}", "receiptHandle": "r", "body": json.dumps(body)}
            answer = self.worker({"Records": [record]}, LambdaContext())
            assert answer == {"batchItemFailures": []}, answer
            run = wiring.sync_store().states(slug)[SOURCE].last_run
            assert run["outcome"] == "ok", run
            runs.append(run)
            created += int(run["created"])
            if not run["read"]:
                break
        assert created == rows, (created, runs)
        return runs


def floor_write(template: Template, tables: list[str], tenant: str) -> tuple[float, float, int]:
    """Every item of `tenant` in `tables` written once more under a `floor#` key with BatchWriteItem:
    wall and CPU seconds, and the requests it took."""
    client = boto3.client("dynamodb")
    pending: list[tuple[str, dict[str, Any]]] = []
    for logical_id in tables:
        name = template.table_name(logical_id)
        for page in client.get_paginator("scan").paginate(TableName=name):
            pending += [
                (name, {**item, "pk": {"S": "floor#" + item["pk"]["S"]}})
                for item in page["Items"]
                if item["pk"]["S"].startswith(f"{tenant}#")
            ]
    requests = 0
    started, cpu = time.perf_counter(), time.thread_time()
    for start in range(0, len(pending), 25):
        batch: dict[str, Any] = {}
        for name, item in pending[start : start + 25]:
            batch.setdefault(name, []).append({"PutRequest": {"Item": item}})
        while batch:
            requests += 1
            batch = client.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    return time.perf_counter() - started, time.thread_time() - cpu, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parse_arguments(parser)
    figures = begin("sync", args)
    with Hub() as hub:
        warm = hub.tenant("warmup")
        seed_history(warm, 60, now_ms())
        hub.sync_until_done("warmup", 60)
        pbx = hub.tenant("bench")
        seed_history(pbx, args.rows, now_ms())
        stored_before = stored_bytes()
        with INSTRUMENTS.measuring() as tally:
            started, cpu_started = time.perf_counter(), time.thread_time()
            runs = hub.sync_until_done("bench", args.rows)
            sync_s = time.perf_counter() - started
            cpu_s = time.thread_time() - cpu_started
        stored = stored_bytes() - stored_before
        pages = pbx.count("GET", "/rest/calls/company.api")
        tables = ["CallsTable"]
        floor_s, floor_cpu, floor_requests = floor_write(hub.template, tables, "bench")

    rows = args.rows
    write_calls, write_items = tally.dynamodb_writes()
    sqs_calls, sqs_messages = tally.sqs_sent()
    moto = tally.moto_total_s()
    print(f"\nPhonet call-history sync of {rows:,} rows, in-process on moto, fake PBX on loopback\n")
    print("| step | wall s | rows/s | CPU s | x floor (CPU) |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| sync ({len(runs)} worker runs, {pages} pages) | {sync_s:.1f} | {rows / sync_s:.0f}"
        f" | {cpu_s:.1f} | {sync_s / floor_s:.1f}x ({cpu_s / floor_cpu:.1f}x) |"
    )
    print(
        f"| floor: BatchWriteItem of the stored items ({floor_requests} requests) | {floor_s:.1f}"
        f" | {rows / floor_s:.0f} | {floor_cpu:.1f} | 1.0x |"
    )
    by_call = ", ".join(f"{k} {v / rows:.2f}" for k, v in sorted(tally.calls.items()))
    print(f"\nper row: {tally.dynamodb_requests() / rows:.2f} DynamoDB requests, {by_call};")
    print(
        f"  {write_items / rows:.2f} item writes, {sqs_messages / rows:.2f} SQS messages,"
        f" {stored / rows:.0f} bytes stored"
    )
    print(
        f"main thread CPU {cpu_s:.1f} s: inside moto {moto:.1f} s ({moto / cpu_s:.0%}),"
        f" botocore {tally.client_s - moto:.1f} s, the rest (hub) {cpu_s - tally.client_s:.1f} s;"
    )
    print(f"  vendor HTTP (wall) {tally.vendor_s:.1f} s in {tally.vendor_calls} requests")

    floor = "BatchWriteItem of the items it stored"
    figures.add(
        f"sync of {rows:,} history rows: rows/s",
        rows / sync_s,
        "rows/s",
        baseline=floor,
        baseline_value=rows / floor_s,
        cpu=rows / cpu_s,
        baseline_cpu=rows / floor_cpu,
        moto_share=share(moto, cpu_s),
        note=f"{len(runs)} worker run(s), {pages} pages; {sync_s:.0f} s wall;"
        f" vendor HTTP {tally.vendor_s:.1f} s (wall)",
    )
    figures.add(
        "sync: DynamoDB requests per history row",
        tally.dynamodb_requests() / rows,
        "requests",
        per="call",
        baseline="BatchWriteItem of the items it stored",
        baseline_value=floor_requests / rows,
        note=f"{tally.dynamodb_reads() / rows:.2f} reads, {write_calls / rows:.2f} write calls",
    )
    figures.add(
        "sync: DynamoDB item writes per history row",
        write_items / rows,
        "items",
        per="call",
        note="each item of a transaction counted",
    )
    figures.add(
        "sync: SQS messages per history row",
        sqs_messages / rows,
        "messages",
        per="call",
        note=f"in {sqs_calls / rows:.2f} send calls",
    )
    figures.add(
        "sync: bytes stored per history row",
        stored / rows,
        "bytes",
        per="call",
        note="every table; attribute names and values, as DynamoDB bills storage",
    )
    figures.write(args.json)


if __name__ == "__main__":
    main()
