"""UTM batch benchmark: how long the Phonet UTM webhook takes to acknowledge a batch, and how long the
UTM worker takes to apply it (labels for logged calls, `--known` of them, and for calls not seen yet).

In-process on moto; prints figures, asserts nothing. The webhook only checks and queues, so its time
should stay far under a second for 1,000 labels; the worker's is moto's DynamoDB time, mostly (moto
deep-copies the tables a transaction touches, and merging labels into a logged call is one).

    python benchmarks/utm.py --items 1000
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

import boto3  # noqa: E402
from figures import share  # noqa: E402
from instruments import INSTRUMENTS, begin, parse_arguments  # noqa: E402
from moto import mock_aws  # noqa: E402
from quiet import quietly  # noqa: E402

from hub import wiring  # noqa: E402
from hub.models.call import Call  # noqa: E402
from hub.models.tenant import Tenant, TenantSettings, Vendor  # noqa: E402
from hub.ports import CallChanges  # noqa: E402
from hub.secrets import sha256_hex  # noqa: E402
from hub.store.tenants import TenantStore  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import ACME_PHONET_TOKEN, LambdaContext, load_event, load_function  # noqa: E402


def labels(count: int) -> list[dict[str, Any]]:
    """About 100 bytes a label, as Phonet's real batches (200 labels in 19 KB)."""
    return [
        {"utmSource": "google", "utmMedium": "cpc", "utmCampaign": f"c{i}", "callParentUuid": f"{i:032x}"}
        for i in range(count)
    ]


def send_again(sqs: Any, url: str, messages: list[dict[str, Any]]) -> tuple[float, float]:
    """The floor: the same message bodies sent once more with SendMessageBatch; wall and CPU ms."""
    started, cpu = time.perf_counter_ns(), time.thread_time()
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages[start : start + 10])
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    return (time.perf_counter_ns() - started) / 1e6, (time.thread_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--known", type=float, default=0.1, help="share of labels whose call is logged")
    parser.add_argument("--no-worker", action="store_true", help="time the webhook only")
    args = parse_arguments(parser)
    figures = begin("utm", args)
    with mock_aws():
        template = Template(stack_name="bench", region="eu-central-1")
        template.create_tables(boto3.client("dynamodb"))
        queues = template.create_queues(boto3.client("sqs"))
        for function in ("PhonetUtmFunction", "UtmWorkerFunction"):
            for name, value in template.function_environment(function).items():
                os.environ.setdefault(name, value)
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        wiring.reset()
        tenants = TenantStore(template.table_name("TenantsTable"))
        settings = TenantSettings(phonet_ip_allowlist_enabled=False)
        tenants.create_tenant(
            Tenant(slug="acme", name="Acme", settings=settings),
            {Vendor.PHONET: sha256_hex(ACME_PHONET_TOKEN)},
        )
        step = round(1 / args.known) if args.known else args.items + 1
        for i in range(0, args.items, step):
            wiring.call_store().save_call(
                None, Call(tenant="acme", uuid=f"{i:032x}", version=1), CallChanges()
            )
        webhook = quietly(load_function("phonet_utm").handler)
        worker = quietly(load_function("utm_worker").handler)
        context = LambdaContext(function_name="bench")
        event = load_event("phonet_utm/spec_example.json")
        event["body"] = json.dumps(labels(args.items))
        sqs = boto3.client("sqs")
        url = queues["UtmQueue"]

        def drain() -> list[dict[str, Any]]:
            messages: list[dict[str, Any]] = []
            while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                messages.extend(batch)
            return messages

        acks, ack_cpu = [], []
        for _ in range(args.runs):
            with INSTRUMENTS.measuring() as ack_tally:
                started, cpu = time.perf_counter_ns(), time.thread_time()
                response = webhook(event, context)
                acks.append((time.perf_counter_ns() - started) / 1e6)
                ack_cpu.append((time.thread_time() - cpu) * 1000)
            assert response["statusCode"] == 200, response
            messages = drain()
        floor_ms, floor_cpu_ms = send_again(sqs, url, messages)
        drain()
        if args.no_worker:
            print(f"webhook answers {args.items} labels: best {min(acks):.0f} ms, worst {max(acks):.0f} ms")
            return
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
            }
            for m in messages
        ]
        with INSTRUMENTS.measuring() as applied:
            started, cpu = time.perf_counter_ns(), time.thread_time()
            for start in range(0, len(records), 5):
                assert worker({"Records": records[start : start + 5]}, context) == {"batchItemFailures": []}
            applied_ms = (time.perf_counter_ns() - started) / 1e6
            applied_cpu_ms = (time.thread_time() - cpu) * 1000
        started = time.perf_counter_ns()
        for start in range(0, len(records), 5):
            worker({"Records": records[start : start + 5]}, context)
        again_ms = (time.perf_counter_ns() - started) / 1e6

    body_kb = len(event["body"].encode()) / 1024
    print(f"\nPhonet UTM batch of {args.items} labels ({body_kb:.0f} KiB), in-process on moto\n")
    print("| step | ms | per label ms |")
    print("|---|---:|---:|")
    print(f"| webhook answers (best of {args.runs}) | {min(acks):.0f} | {min(acks) / args.items:.3f} |")
    print(f"| webhook answers (worst of {args.runs}) | {max(acks):.0f} | {max(acks) / args.items:.3f} |")
    print(f"| worker applies {len(records)} messages | {applied_ms:.0f} | {applied_ms / args.items:.2f} |")
    print(f"| worker, the same messages again | {again_ms:.0f} | {again_ms / args.items:.2f} |")
    print(f"| floor: the same {len(messages)} message bodies, SendMessageBatch | {floor_ms:.0f} | |")
    best = acks.index(min(acks))
    floor = f"SendMessageBatch of the same {len(messages)} messages"
    figures.add(
        f"UTM batch of {args.items:,} labels: acknowledge time",
        min(acks),
        "ms",
        baseline=floor,
        baseline_value=floor_ms,
        cpu=ack_cpu[best],
        baseline_cpu=floor_cpu_ms,
        moto_share=share(ack_tally.moto_total_s() * 1000, ack_cpu[-1]),
        note=f"best of {args.runs}, worst {max(acks):.0f} ms; {body_kb:.0f} KiB",
    )
    figures.add(
        f"UTM worker: labels applied per second ({args.known:.0%} of their calls logged)",
        args.items * 1000 / applied_ms,
        "labels/s",
        cpu=args.items * 1000 / applied_cpu_ms,
        moto_share=share(applied.moto_total_s() * 1000, applied_cpu_ms),
        note=f"{len(records)} messages, 5 a batch",
    )
    figures.add(
        "UTM: DynamoDB requests per label",
        applied.dynamodb_requests() / args.items,
        "requests",
        per="label",
        note=f"{applied.dynamodb_writes()[1] / args.items:.2f} item writes; "
        f"{ack_tally.sqs_sent()[1] / args.items:.3f} SQS messages per label",
    )
    figures.write(args.json)


if __name__ == "__main__":
    main()
