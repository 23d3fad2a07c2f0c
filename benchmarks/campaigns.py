"""Dial campaign benchmark: a batch of N numbers for Avtodialer, from the integrator's first request to
the last chunk queued at the dialer, at several sizes.

In-process on moto; prints figures, asserts nothing but success. The batch goes through the REST
API's handler as an integrator sends it (POST /api/v1/dial-batches with the first page of up to
10,000 records, PUT .../pages/{n} for the rest), then every message of the dial queue (moto's SQS)
through the dial worker's handler, one per invocation as its event source (BatchSize 1) hands them,
against the Avtodialer fake on loopback HTTP. The tenant's zone is one where it is midday now, so the
window (all week 08:00-22:00) is open whenever this runs. Workers run one at a time here; on Lambda
the slices and chunks run in parallel, so the time to reach the dialer is a serial sum.

Counts and where the main thread's CPU time goes (inside moto's request dispatch, botocore, the
rest; the vendor's wall time): benchmarks/instruments.py. moto's Query sizes every
item of the partition before checking its key condition, so it slows as the batch's items pile up:
instruments.patch_moto's cuts are on unless --moto-as-is. The baseline, in the same run: normalizing the
N numbers with hub.phones.normalize_phone, and writing the request's bytes once with BatchWriteItem.

    python benchmarks/campaigns.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-central-1")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"

import boto3  # noqa: E402
from figures import Figures, share  # noqa: E402
from instruments import INSTRUMENTS, Tally, begin, parse_arguments  # noqa: E402
from moto import mock_aws  # noqa: E402
from quiet import quietly  # noqa: E402

from hub import wiring  # noqa: E402
from hub.domain.tenants import create_api_key, create_tenant  # noqa: E402
from hub.ids import now_ms  # noqa: E402
from hub.models.campaign import MAX_PAGE_RECORDS  # noqa: E402
from hub.models.tenant import Tenant, Vendor, credentials_for  # noqa: E402
from hub.phones import normalize_phone  # noqa: E402
from hub.store.dynamo import to_item  # noqa: E402
from hub.store.imports import split_parts  # noqa: E402
from hubtools.fakes import AvtodialerFake  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import LambdaContext, load_event, load_function, sqs_record  # noqa: E402

ALL_WEEK = {"from": "08:00", "to": "22:00", "days": [1, 2, 3, 4, 5, 6, 7]}


def midday_zone() -> str:
    """An Etc/GMT zone where it is now between 11:00 and 13:00 (its sign is POSIX's, inverted)."""
    offset = (12 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def records(count: int) -> list[dict[str, Any]]:
    """Distinct Russian mobiles with a name and the scenario's three variables, as a CRM exports them."""
    return [
        {"phone": f"+7922{i:07d}", "name": f"Клиент {i}", "vars": [f"заказ {i}", "100", "вт"]}
        for i in range(count)
    ]


# -- the hub -------------------------------------------------------------------------------------------


class FreshHub:
    """The template's tables and queues in a fresh moto, a tenant with an API key and Avtodialer's
    credentials pointing at the fake: each size starts from empty tables."""

    def __enter__(self) -> FreshHub:
        self.mock = mock_aws()
        self.mock.start()
        template = Template(stack_name="bench", region="eu-central-1")
        template.create_tables(boto3.client("dynamodb"))
        template.create_queues(boto3.client("sqs"))
        self.table = template.table_name("CampaignsTable")
        for logical_id in template.of_type("AWS::Serverless::Function"):
            os.environ.update(template.function_environment(logical_id))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        wiring.reset()
        self.dialer = AvtodialerFake().__enter__()
        tenant = Tenant(slug="bench", name="Bench", default_country="RU", timezone=midday_zone())
        created = create_tenant(wiring.tenant_store(), tenant)
        _, self.key = create_api_key(wiring.tenant_store(), created.tenant)
        fields = {
            "base_url": self.dialer.url,
            "api_key": self.dialer.api_key,
            "access_token": self.dialer.access_token,
        }
        wiring.vendor_secrets().put("bench", Vendor.AVTODIALER, credentials_for(Vendor.AVTODIALER, fields))
        wiring.tenant_store().put_credentials("bench", Vendor.AVTODIALER, now_ms())
        self.api = quietly(load_function("rest_api").handler)
        self.worker = quietly(load_function("dial_worker").handler)
        self.context = LambdaContext()
        self.longest: dict[str, float] = {}  # step -> the longest invocation handling one
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dialer.__exit__(None, None, None)
        self.mock.stop()
        wiring.reset()

    def request(self, method: str, path: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        event = load_event("rest_api/create_contact.json")
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v1{path}"
        event["requestContext"]["http"]["method"] = method
        event["headers"] = {"content-type": "application/json", "x-api-key": self.key}
        if key:
            event["headers"]["idempotency-key"] = key
        event["body"] = json.dumps(body, ensure_ascii=False)
        response = self.api(event, self.context)
        answer = json.loads(response["body"])
        assert response["statusCode"] == 202, (response["statusCode"], answer)
        return answer

    def submit(self, rows: list[dict[str, Any]], page_records: int, key: str = "bench-batch") -> str:
        """The batch as an integrator sends it: the first page with POST, the others with PUT."""
        pages = [rows[start : start + page_records] for start in range(0, len(rows), page_records)]
        body = {"provider": "avtodialer", "scenario": "1", "max_attempts": 2, "window": ALL_WEEK}
        made = self.request(
            "POST", "/dial-batches", {**body, "pages": len(pages), "records": pages[0]}, key=key
        )
        for number, page in enumerate(pages[1:], start=2):
            made = self.request("PUT", f"/dial-batches/{made['id']}/pages/{number}", {"records": page})
        return str(made["id"])

    def drain(self) -> int:
        """Every message of the dial queue through the worker's handler, one per invocation; the
        messages handled."""
        sqs = boto3.client("sqs")
        url = wiring.get_settings().dial_queue_url
        handled = 0
        while received := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in received:
                started = time.perf_counter()
                answer = self.worker({"Records": [sqs_record(message)]}, self.context)
                step = json.loads(message["Body"])["step"]
                self.longest[step] = max(self.longest.get(step, 0.0), time.perf_counter() - started)
                assert answer == {"batchItemFailures": []}, answer
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
        return handled


# -- measurements --------------------------------------------------------------------------------------


@dataclass
class Run:
    size: int
    accept_s: float
    reached_s: float
    cpu_s: float  # the main thread's CPU time over accept + workers
    messages_handled: int
    tally: Tally
    normalize_s: float
    write_s: float
    longest: dict[str, float]  # worker step -> its longest invocation (s)
    accept_cpu_s: float  # the main thread's CPU time over the accept alone
    baseline_cpu_s: tuple[float, float]  # CPU time of normalize, of write


def baseline(hub: FreshHub, rows: list[dict[str, Any]]) -> tuple[float, float, tuple[float, float]]:
    """The floor: every number normalized once, and the request's records written once, as JSON text
    in items of at most ~300 KB, with BatchWriteItem (the store's own part size). Wall seconds of
    each, and their CPU seconds."""
    started, cpu = time.perf_counter(), time.thread_time()
    for row in rows:
        normalize_phone(row["phone"], "RU")
    normalize_s, normalize_cpu = time.perf_counter() - started, time.thread_time() - cpu
    client = boto3.client("dynamodb")
    started, cpu = time.perf_counter(), time.thread_time()
    items = [
        {
            "PutRequest": {
                "Item": to_item(
                    {
                        "pk": "bench#RAW",
                        "sk": f"{number:05d}",
                        "entries": json.dumps(part, ensure_ascii=False, separators=(",", ":")),
                    }
                )
            }
        }
        for number, part in enumerate(split_parts(rows))
    ]
    write(client, hub.table, items)
    write_s, write_cpu = time.perf_counter() - started, time.thread_time() - cpu
    # Gone again, so the batch's Queries find the table as a fresh one (moto's grow with the table).
    keys = [{k: v for k, v in item["PutRequest"]["Item"].items() if k in ("pk", "sk")} for item in items]
    write(client, hub.table, [{"DeleteRequest": {"Key": key}} for key in keys])
    return normalize_s, write_s, (normalize_cpu, write_cpu)


def write(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def measure(size: int, page_records: int) -> Run:
    rows = records(size)
    with FreshHub() as hub:
        # Warm-up, not counted: the handlers' first-call imports, clients and caches.
        hub.submit(records(50), page_records, key="warm-up")
        hub.drain()
        hub.dialer.reset()
        hub.longest.clear()
        normalize_s, write_s, baseline_cpu = baseline(hub, rows)
        with INSTRUMENTS.measuring() as tally:
            started, cpu_started = time.perf_counter(), time.thread_time()
            batch_id = hub.submit(rows, page_records)
            accept_s, accept_cpu = time.perf_counter() - started, time.thread_time() - cpu_started
            handled = hub.drain()
            reached_s = time.perf_counter() - started
            cpu_s = time.thread_time() - cpu_started
        counts = hub.dialer.dial_counts()
        status = wiring.campaign_service().batch(wiring.tenant_directory().by_slug("bench"), batch_id)
    assert len(counts["uuid"]) == size and not hub.dialer.dialed_twice(), "every record once"
    assert len(counts["phone"]) == size and max(counts["phone"].values()) == 1, "every number once"
    assert status.status.value == "done" and status.counts.sent == size, status
    return Run(
        size,
        accept_s,
        reached_s,
        cpu_s,
        handled,
        tally,
        normalize_s,
        write_s,
        dict(hub.longest),
        accept_cpu,
        baseline_cpu,
    )


def per_1000(count: float, size: int) -> float:
    return count * 1000 / size


def report(runs: list[Run], page_records: int) -> None:
    print(f"\nAvtodialer dial batch, pages of {page_records} records, in-process on moto\n")
    print(
        "| records | accept (all pages 202) | x write baseline | until every chunk queued at the fake"
        " | x baseline (normalize + write) | worker messages |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        floor = run.normalize_s + run.write_s
        print(
            f"| {run.size:,} | {run.accept_s:.2f} s | {run.accept_s / run.write_s:.1f}x"
            f" | {run.reached_s:.2f} s | {run.reached_s / floor:.1f}x | {run.messages_handled} |"
        )
    print("\nthe longest worker invocation, by step (the last prepare also cuts the batch into chunks)")
    for run in runs:
        steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in sorted(run.longest.items()))
        print(f"  {run.size:>7,} records: {steps}")
    print("\nbaseline: normalize_phone on every number, one BatchWriteItem pass over the request's bytes")
    for run in runs:
        print(f"  {run.size:>7,} records: normalize {run.normalize_s:.2f} s, write {run.write_s:.2f} s")
    print("\nper 1000 records")
    print(
        "| records | SQS messages sent (calls) | DynamoDB item writes (write calls) | DynamoDB reads"
        " | vendor requests |"
    )
    print("|---:|---:|---:|---:|---:|")
    for run in runs:
        sqs_calls, sqs_messages = run.tally.sqs_sent()
        write_calls, write_items = run.tally.dynamodb_writes()
        print(
            f"| {run.size:,} | {per_1000(sqs_messages, run.size):.1f} ({per_1000(sqs_calls, run.size):.1f})"
            f" | {per_1000(write_items, run.size):.1f} ({per_1000(write_calls, run.size):.1f})"
            f" | {per_1000(run.tally.dynamodb_reads(), run.size):.1f}"
            f" | {per_1000(run.tally.vendor_calls, run.size):.1f} |"
        )
    print("\nwhere the main thread's CPU time goes (accept + workers; time.thread_time, so other")
    print("processes' load does not count), and the wall time spent in requests to the fake")
    print(
        "| records | CPU | inside moto DynamoDB | inside moto SQS, SSM | botocore (requests built,"
        " answers parsed) | the rest (hub, pydantic, Powertools) | vendor HTTP (wall) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        dynamo = run.tally.moto_s["dynamodb"]
        other = sum(run.tally.moto_s.values()) - dynamo
        botocore_s = run.tally.client_s - dynamo - other
        rest = run.cpu_s - run.tally.client_s
        share = run.cpu_s / 100
        print(
            f"| {run.size:,} | {run.cpu_s:.1f} s | {dynamo:.1f} s ({dynamo / share:.0f}%)"
            f" | {other:.1f} s ({other / share:.0f}%) | {botocore_s:.1f} s ({botocore_s / share:.0f}%)"
            f" | {rest:.1f} s ({rest / share:.0f}%) | {run.tally.vendor_s:.1f} s |"
        )
    print("\nmoto's time by operation: ms per call (calls), the five costliest at the largest size")
    slowest = [op for op, _ in runs[-1].tally.moto_op_s.most_common(5)]
    print("| records | " + " | ".join(slowest) + " |")
    print("|---:|" + "---:|" * len(slowest))
    for run in runs:
        cells = [
            f"{run.tally.moto_op_s[op] * 1000 / max(1, run.tally.calls[op]):.1f} ({run.tally.calls[op]})"
            for op in slowest
        ]
        print(f"| {run.size:,} | " + " | ".join(cells) + " |")
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        grow = last.size / first.size
        print(
            f"\ngrowth from {first.size:,} to {last.size:,} records ({grow:.0f}x the records; 1.0 = linear)"
        )
        pairs = {
            "time to accept": (first.accept_s, last.accept_s),
            "time until every chunk is queued": (first.reached_s, last.reached_s),
            "SQS messages": (first.tally.sqs_sent()[1], last.tally.sqs_sent()[1]),
            "DynamoDB item writes": (first.tally.dynamodb_writes()[1], last.tally.dynamodb_writes()[1]),
            "DynamoDB reads": (first.tally.dynamodb_reads(), last.tally.dynamodb_reads()),
            "CPU time (main thread)": (first.cpu_s, last.cpu_s),
            "CPU inside moto DynamoDB": (first.tally.moto_s["dynamodb"], last.tally.moto_s["dynamodb"]),
            "CPU outside moto and botocore": (
                first.cpu_s - first.tally.client_s,
                last.cpu_s - last.tally.client_s,
            ),
        }
        for label, (small, large) in pairs.items():
            ratio = large / small if small else float("nan")
            print(f"  {label:34s}: {ratio:6.1f}x  (per record: {ratio / grow:4.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="batch sizes, comma-separated")
    parser.add_argument("--page-records", type=int, default=MAX_PAGE_RECORDS, help="records per request")
    args = parse_arguments(parser)
    figures = begin("campaigns", args)
    runs = [measure(int(size), args.page_records) for size in args.sizes.split(",")]
    report(runs, args.page_records)
    for run in runs:
        add_figures(figures, run)
    figures.write(args.json)


def add_figures(figures: Figures, run: Run) -> None:
    """The batch's accept time and delivery throughput against their floors, and its requests."""
    size = f"{run.size:,}"
    normalize_cpu, write_cpu = run.baseline_cpu_s
    figures.add(
        f"campaign of {size} records: accept (every page 202)",
        run.accept_s,
        "s",
        baseline="one BatchWriteItem pass over the request's bytes",
        baseline_value=run.write_s,
        cpu=run.accept_cpu_s,
        baseline_cpu=write_cpu,
        note=f"pages of {MAX_PAGE_RECORDS:,}" if run.size > MAX_PAGE_RECORDS else None,
    )
    figures.add(
        f"campaign of {size} records: delivered to the dialer, records/s",
        run.size / run.reached_s,
        "records/s",
        baseline="normalize every number + the BatchWriteItem pass",
        baseline_value=run.size / (run.normalize_s + run.write_s),
        cpu=run.size / run.cpu_s,
        baseline_cpu=run.size / (normalize_cpu + write_cpu),
        moto_share=share(run.tally.moto_total_s(), run.cpu_s),
        note=f"accept + {run.messages_handled} worker messages, serial here",
    )
    write_calls, write_items = run.tally.dynamodb_writes()
    figures.add(
        f"campaign of {size}: DynamoDB requests per 1,000 records",
        per_1000(run.tally.dynamodb_requests(), run.size),
        "requests",
        per="1,000 records",
        note=f"{per_1000(write_items, run.size):.1f} item writes"
        f" in {per_1000(write_calls, run.size):.1f} write calls;"
        f" {per_1000(run.tally.sqs_sent()[1], run.size):.1f} SQS messages,"
        f" {per_1000(run.tally.vendor_calls, run.size):.1f} vendor requests",
    )


if __name__ == "__main__":
    main()
