"""Bulk contact import benchmark: rows per second through POST /api/v1/contacts/import, fresh rows
and a re-import of the same rows with `merge` (every row then matches and updates a contact).

In-process on moto; prints figures, asserts nothing but success. The baseline is creating the same
contacts one by one through ContactService, in the same run. Up to 100 rows are applied in the
request; more are a job: the figure is then the time to accept (202) and, apart, the time until the
import worker (invoked here with the queue's messages) has applied every chunk. moto serializes
requests, so it shows the import's own overhead, not DynamoDB's parallel speed.

    python benchmarks/imports.py --rows 10000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
from hub.domain.contacts import ContactInput  # noqa: E402
from hub.domain.tenants import TenantDirectory, create_api_key, create_tenant  # noqa: E402
from hub.models.tenant import Tenant  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import LambdaContext, load_event, load_function  # noqa: E402


def rows(count: int, offset: int = 0) -> list[dict]:
    return [
        {
            "name": f"Customer {offset + i}",
            "company": "Bench LLC",
            "phones": [{"number": f"+38067{offset + i:07d}"}],
            "external_codes": {"crm": str(offset + i)},
        }
        for i in range(count)
    ]


def import_request(key: str, body: dict) -> dict:
    event = load_event("rest_api/create_contact.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v1/contacts/import"
    event["headers"] = {"content-type": "application/json", "x-api-key": key}
    event["body"] = json.dumps(body)
    return event


class FreshHub:
    """The template's tables in a fresh moto, a tenant and its API key: each measurement starts from
    the same empty tables (moto's transactions slow down as tables grow)."""

    def __enter__(self) -> FreshHub:
        self.mock = mock_aws()
        self.mock.start()
        template = Template(stack_name="bench", region="eu-central-1")
        template.create_tables(boto3.client("dynamodb"))
        template.create_queues(boto3.client("sqs"))
        for logical_id in template.of_type("AWS::Serverless::Function"):
            os.environ.update(template.function_environment(logical_id))
        wiring.reset()
        created = create_tenant(
            wiring.tenant_store(), Tenant(slug="bench", name="Bench", default_country="UA")
        )
        _, self.key = create_api_key(wiring.tenant_store(), created.tenant)
        self.context = TenantDirectory(wiring.tenant_store(), ttl_seconds=0).by_slug("bench")
        self.api = load_function("rest_api")
        self.worker = load_function("import_worker")
        self.accept_seconds: list[float] = []
        return self

    def __exit__(self, *_exc: object) -> None:
        self.mock.stop()
        wiring.reset()

    def import_rows(self, body: dict) -> float:
        started = time.perf_counter()
        response = quietly(self.api.handler)(import_request(self.key, body), LambdaContext())
        result = json.loads(response["body"])
        if response["statusCode"] == 202:  # a job: the worker applies it, a message at a time
            self.accept_seconds.append(time.perf_counter() - started)
            self.run_worker()
            result = wiring.import_service().job(self.context, result["job_id"])
        seconds = time.perf_counter() - started
        assert response["statusCode"] in (200, 202) and result["failed"] == 0, result
        return seconds

    def run_worker(self) -> None:
        sqs = boto3.client("sqs")
        url = wiring.get_settings().import_queue_url
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages"):
            records = [
                {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
                for m in messages
            ]
            answer = quietly(self.worker.handler)({"Records": records}, LambdaContext())
            assert not answer["batchItemFailures"], answer
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@dataclass
class Pass:
    """One measured pass over the rows: wall and CPU seconds (every thread: the import's workers),
    what it asked of AWS, and the job's own accept time."""

    label: str
    wall_s: float
    cpu_s: float
    tally: Tally
    accept_s: float | None = None


def measured(label: str, work: Callable[[], object], accepts: list[float] | None = None) -> Pass:
    with INSTRUMENTS.measuring() as tally:
        started, cpu = time.perf_counter(), time.process_time()
        work()
        wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return Pass(label, wall_s, cpu_s, tally, accepts[-1] if accepts else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument(
        "--baseline-rows", type=int, help="rows created one by one for the baseline (default: --rows)"
    )
    args = parse_arguments(parser)
    figures = begin("imports", args)
    baseline_rows = args.baseline_rows or args.rows
    with FreshHub() as hub:
        service = wiring.contact_service()

        def one_by_one() -> None:
            for row in rows(baseline_rows):
                service.create(hub.context, ContactInput.model_validate(row))

        baseline = measured("ContactService.create one by one", one_by_one)
    with FreshHub() as hub:
        stored_before = stored_bytes()
        fresh = measured(
            "import, new rows", lambda: hub.import_rows({"rows": rows(args.rows)}), hub.accept_seconds
        )
        stored = stored_bytes() - stored_before
        merge = measured(
            "re-import with merge (every row matches)",
            lambda: hub.import_rows({"merge": True, "rows": rows(args.rows)}),
            hub.accept_seconds,
        )

    print(
        f"\nContacts import of {args.rows:,} rows through POST /api/v1/contacts/import, in-process on moto\n"
    )
    print(
        "| pass | rows | wall s | rows/s | CPU s | CPU ms/row | in moto | DynamoDB requests/row"
        " | accept (202) s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run, count in ((baseline, baseline_rows), (fresh, args.rows), (merge, args.rows)):
        accept = f"{run.accept_s:.2f}" if run.accept_s is not None else ""
        print(
            f"| {run.label} | {count:,} | {run.wall_s:.1f} | {count / run.wall_s:.0f} | {run.cpu_s:.1f}"
            f" | {run.cpu_s * 1000 / count:.1f} | {run.tally.moto_total_s() / run.cpu_s:.0%}"
            f" | {run.tally.dynamodb_requests() / count:.2f} | {accept} |"
        )
    for run in (fresh, merge):
        calls = ", ".join(f"{k} {v / args.rows:.2f}" for k, v in sorted(run.tally.calls.items()))
        print(f"  {run.label}, per row: {calls}")
        costliest = ", ".join(
            f"{op} {seconds * 1000 / max(1, run.tally.calls[op]):.1f} ms x {run.tally.calls[op]}"
            for op, seconds in run.tally.moto_op_s.most_common(3)
        )
        print(f"    moto's CPU per call, the costliest: {costliest}")
    print(f"  stored per contact: {stored / args.rows:.0f} bytes (every table, the job's items included)")

    floor = f"ContactService.create one by one ({baseline_rows:,} rows)"
    floor_rate, floor_cpu_rate = baseline_rows / baseline.wall_s, baseline_rows / baseline.cpu_s
    for run, name in ((fresh, "new rows"), (merge, "merge, every row matching")):
        figures.add(
            f"import job of {args.rows:,} rows, {name}: rows/s",
            args.rows / run.wall_s,
            "rows/s",
            baseline=floor,
            baseline_value=floor_rate,
            cpu=args.rows / run.cpu_s,
            baseline_cpu=floor_cpu_rate,
            moto_share=share(run.tally.moto_total_s(), run.cpu_s),
            note=f"{run.wall_s:.0f} s wall, {run.cpu_s:.0f} s CPU; accepted (202) in"
            f" {run.accept_s or 0:.2f} s",
        )
        figures.add(
            f"import, {name}: DynamoDB requests per row",
            run.tally.dynamodb_requests() / args.rows,
            "requests",
            per="contact",
            baseline="ContactService.create",
            baseline_value=baseline.tally.dynamodb_requests() / baseline_rows,
            note=f"{run.tally.dynamodb_writes()[1] / args.rows:.2f} item writes per row",
        )
    figures.add(
        "contacts: bytes stored per imported contact",
        stored / args.rows,
        "bytes",
        per="contact",
        note="contact, index and word items, and the job's own (expiring) items",
    )
    figures.write(args.json)


if __name__ == "__main__":
    main()
